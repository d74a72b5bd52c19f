// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Bybit v5 market data (provider-apis.md §6): one API for spot and the USDT/USDC linear
// perpetuals, the product picked by `category`. An instance serves the market it was made
// for: "crypto" → category=spot (BTC/USDT), "perpetual" → category=linear, LinearPerpetual
// contracts only (BTC/USDT:USDT, as ccxt writes them), so spot and perpetual never mix.
// Candles: /v5/market/kline, rows of 7 strings newest first, the forming candle included;
// pages are windows of at most 1000 buckets with both bounds given (start and end inclusive),
// so the answer is the whole window whichever end Bybit counts its limit from. Symbols:
// /v5/market/instruments-info, the linear list paged by nextPageCursor. Errors arrive as a
// retCode in an HTTP 200 body; the IP limit (600 requests per 5 s) is answered with HTTP 403
// "access too frequent" and a ban of at least 10 minutes; retCode 10006 "Too many visits" is
// the per-second limit whose X-Bapi-Limit* headers, when Bybit sends them, the gate learns.
class BybitExchange : public CryptoExchange
{
public:
    static constexpr int kMaxLimit = 1000;
    static constexpr int kInstrumentsPage = 1000;
    static constexpr qint64 kIpBanMs = 600'000; // "wait at least 10 minutes"

    BybitExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("bybit"); }
    QStringList timeframes() const override;
    // "spot" or "linear", from the market this instance serves.
    QString category() const { return m_category; }
    // The public kline topic on /v5/public/<category> (BybitStream, {"op":"ping"} every 20 s).
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // Barkeep's timeframe name → Bybit's interval ("1h" → "60", "1d" → "D"); empty if none.
    static QString intervalOf(const QString &timeframe);
    // The retCode of an envelope (a number, or a string in some answers); nullopt if absent.
    static std::optional<qint64> retCodeOf(const QJsonObject &envelope);
    // Bybit's answer in Barkeep's kinds: HTTP status first (403 = the IP ban), then retCode.
    static Error mapError(const HttpResponse &response);
    // One /v5/market/kline answer: the envelope checked (a retCode other than 0 is an error
    // as mapError() reads it), result.list parsed, returned oldest first.
    static Result<Bars> parseKlines(const QByteArray &body);
    // result.list of instruments-info for `category` as unified symbols: spot BASE/QUOTE,
    // linear BASE/QUOTE:SETTLE (LinearPerpetual only; dated futures are skipped), Trading only.
    static Result<QList<SymbolInfo>> parseInstruments(const QJsonArray &list, const QString &category);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;
    void heard(const HttpResponse &response) const override;

private:
    // One GET with Bybit's error handling: transport errors as they are, an HTTP error or a
    // retCode other than 0 through mapError() (a throttle reported to the gate). `answered`
    // counts the answers Bybit gave.
    Result<JsonAnswer> call(const QUrl &url, const std::atomic<bool> *cancel,
                            int *answered = nullptr) const;

    QString m_category;
    mutable std::atomic<int> m_announcedLimit{0};
};

} // namespace barkeep::crypto
