// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Kraken Spot: /0/public/OHLC returns only the 720 most recent rows of an interval, the last
// one still forming; there is no backward paging, so one request answers a fetch and
// `covered` says how much of the asked range that was. Errors arrive in the `error` array,
// the public throttle even with HTTP 200. Pair keys come from /0/public/AssetPairs.
class KrakenExchange : public CryptoExchange
{
public:
    static constexpr int kMaxRows = 720;

    KrakenExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("kraken"); }
    QStringList timeframes() const override;

    // Maps Kraken's "<E|W><Category>:<Message>" strings (first error wins).
    static Error mapErrors(const QStringList &errors, const QByteArray &body);
    // The errors of an answer's `error` array (the E... strings; W... are warnings).
    static QStringList errorsOf(const QJsonObject &root);
    static Error mapHttpError(const HttpResponse &response);
    // The asset codes Kraken spells its own way (XBT, XDG) in common form.
    static QString commonAsset(QString code);

    struct OhlcPage
    {
        Bars rows;         // every row, oldest first, the forming one included
        QList<int> counts; // trade count per row
        qint64 last = 0;
    };
    // Checks `error`, finds the pair's key (given, else the first non-"last" key).
    static Result<OhlcPage> parseOhlc(const QByteArray &body, const QString &pairKey);

    // The WS v2 ohlc channel (provider-apis.md §3): wss://ws.kraken.com/v2.
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // One WS v2 frame. Candles carry no closed flag: the stream decides (KrakenStream).
    struct WsCandle
    {
        QString symbol;
        int interval = 0; // minutes
        Bar bar;          // t = interval_begin
        int trades = 0;
    };
    struct WsMessage
    {
        enum class Type { Other, Ack, Snapshot, Update };
        Type type = Type::Other; // Other: another channel (status, heartbeat), a pong
        QString ackSymbol;       // Ack: the symbol this acknowledgement is for
        QList<WsCandle> candles; // Snapshot/Update
    };
    // Parses one frame; a failed subscription ({"success":false,"error":…}) and anything
    // malformed are errors with the reason.
    static Result<WsMessage> parseWsMessage(const QByteArray &message);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;
    QStringList aliasesOf(const SymbolInfo &info) const override;

private:
    QHash<QString, QStringList> m_aliases; // pair key → altname, wsname (under the markets lock)
};

} // namespace barkeep::crypto
