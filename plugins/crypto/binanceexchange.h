// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Binance Spot: /api/v3/klines paged forward by startTime (1000 per request, weight 2),
// symbols from /api/v3/exchangeInfo (weight 20), and whole past months of 1m bars from the
// public data archive (zip + .CHECKSUM). The RequestGate reads X-MBX-USED-WEIGHT-1M.
class BinanceExchange : public CryptoExchange
{
public:
    static constexpr int kMaxLimit = 1000;
    static constexpr int kKlinesWeight = 2;
    static constexpr int kExchangeInfoWeight = 20;

    BinanceExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("binance"); }
    QStringList timeframes() const override;
    Result<BarBatch> fetchArchiveMonth(const QString &symbol, int year, int month) override;
    // The kline stream /ws/<symbol lower>@kline_<interval> (provider-apis.md §1).
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // Binance's {code,msg} errors and HTTP statuses in Barkeep's kinds.
    static Error mapError(const HttpResponse &response);
    // One page of /api/v3/klines rows (12-element arrays, oldest first).
    static Result<Bars> parseKlines(const QByteArray &body);
    // One kline stream frame: the bar and its `x` (closed) flag; nullopt for the frames that
    // carry no bar (a control answer {"result":…,"id":…}, the serverShutdown notice); an
    // error with the reason for anything else, including a {code,msg} refusal.
    static Result<std::optional<StreamBar>> parseKlineEvent(const QByteArray &message);
    // The archive's CSV: 12 columns, no header (one is skipped if present), open time in ms
    // or µs per value (µs values exceed 1e14).
    static Result<Bars> parseArchiveCsv(const QByteArray &csv);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;

private:
    QString m_archiveUrl;
};

} // namespace barkeep::crypto
