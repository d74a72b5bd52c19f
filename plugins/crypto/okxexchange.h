// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// OKX v5 market data (provider-apis.md §7). An instance serves the market it was made for:
// "crypto" → instType SPOT (BTC-USDT as BTC/USDT), "perpetual" → instType SWAP (BTC-USDT-SWAP as
// BTC/USDT:USDT, as ccxt writes it), so spot and perpetual never mix. Candles come from two
// endpoints: /market/candles reaches only the latest 1,440 bars, /market/history-candles
// goes back years; both take at most 300 rows (older docs: 100 for history) and answer rows of
// 9 strings newest first, `confirm` "0" marking the forming candle, which is never returned.
// Pages are windows of 300 buckets bounded by the exclusive `before` (since − 1) and `after`;
// a window answered with fewer rows than it holds and a full-looking page (≥ 100 rows, the
// older cap) is continued backward with `after` = its oldest row. Bars of 6h and more use the
// UTC-aligned `…utc` bars ("1Dutc"), as Barkeep's buckets are. The limits are per IP and
// endpoint (history 20 requests / 2 s); "too many" is code 50011, in an HTTP 429 or 200.
// Demo trading: the same host with `x-simulated-trading: 1`.
class OkxExchange : public CryptoExchange
{
public:
    static constexpr int kMaxLimit = 300;
    // Below this many rows a page is not cut by a cap (history-candles' older maximum).
    static constexpr int kSmallestCap = 100;
    // /market/candles holds the latest 1,440 bars; windows starting later than this many
    // buckets before the forming one use it (a margin for the clock).
    static constexpr int kRecentReach = 1400;

    OkxExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("okx"); }
    QStringList timeframes() const override;
    // "SPOT" or "SWAP", from the market this instance serves.
    QString instType() const { return m_instType; }
    // The candle channel on /ws/v5/business (OkxStream, text "ping" every 20 s); demo trading
    // on wspap.okx.com.
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // Barkeep's timeframe name → OKX's bar ("1h" → "1H", "1d" → "1Dutc"); empty if none.
    static QString barOf(const QString &timeframe);
    // OKX's {code,msg,data} errors and HTTP statuses in Barkeep's kinds.
    static Error mapError(const HttpResponse &response);
    // One candles answer: code checked, rows of 9 strings newest first, returned oldest first
    // without the forming candle (confirm "0"). The volume is `vol` for spot (base currency)
    // and `volCcy` for swaps (`vol` counts contracts there).
    static Result<Bars> parseCandles(const QByteArray &body, bool swap);
    // /public/instruments data as unified symbols (live instruments only).
    static Result<QList<SymbolInfo>> parseInstruments(const QJsonArray &data, const QString &instType);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;

private:
    // One GET: transport errors as they are, an HTTP error or a code other than "0" through
    // mapError() (a throttle reported to the gate); `answered` counts OKX's answers.
    Result<JsonAnswer> call(const QUrl &url, const std::atomic<bool> *cancel,
                            int *answered = nullptr) const;

    QString m_instType;
};

} // namespace barkeep::crypto
