// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Binance USD-M futures (provider-apis.md §8), the "perpetual" market: the USDT/USDC-margined
// perpetual contracts of /fapi/v1/exchangeInfo (contractType PERPETUAL; quarterly contracts
// are other series) under ccxt's unified names (BTC/USDT:USDT), candles from /fapi/v1/klines
// paged forward by startTime as on spot, rows of the same 12-element shape (read by
// BinanceExchange's parser). The weight of a klines call grows with its `limit` (1/2/5/10);
// 1000 rows for 5 is the cheapest per row, so pages are 1000. The limits come from Binance:
// exchangeInfo.rateLimits (REQUEST_WEIGHT 2400 per minute) is announced to the gate on first
// contact and again when the gate finds it stale, a -1003 refusal stating a limit at once;
// the gate reads X-MBX-USED-WEIGHT-1M itself; 429 then 418 (a ban) as on spot. Whole past
// months of 1m bars come from the public archive (data/futures/um/monthly/klines), whose
// newer files start with a header row. Live bars: the kline stream, as on spot.
class BinanceUsdmExchange : public CryptoExchange
{
public:
    static constexpr int kMaxLimit = 1000;
    static constexpr int kExchangeInfoWeight = 1;

    BinanceUsdmExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("binanceusdm"); }
    QStringList timeframes() const override;
    Result<BarBatch> fetchArchiveMonth(const QString &symbol, int year, int month) override;
    // The kline stream <symbol lower>@kline_<interval> on the routed market-data path
    // (wss://fstream.binance.com/market/ws/…), frames as spot's (BinanceStream).
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // The weight /fapi/v1/klines charges for `limit` rows.
    static int klinesWeight(int limit);
    // exchangeInfo.symbols as unified perpetual symbols (BASE/QUOTE:MARGIN), TRADING only.
    static Result<QList<SymbolInfo>> parseSymbols(const QJsonArray &symbols);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;
    void heard(const HttpResponse &response) const override;

private:
    void refreshLimits(const std::atomic<bool> *cancel);

    static constexpr qint64 kRefreshSpacingMs = 5'000;
    QString m_archiveUrl;
    std::mutex m_refreshMutex;
    std::atomic<qint64> m_nextRefreshMs{0};
};

} // namespace barkeep::crypto
