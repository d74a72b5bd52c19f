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
    Result<BarBatch> fetchBars(const BarRequest &request) override;
    Result<BarBatch> fetchArchiveMonth(const QString &symbol, int year, int month) override;

    // Binance's {code,msg} errors and HTTP statuses in Barkeep's kinds.
    static Error mapError(const HttpResponse &response);
    // One page of /api/v3/klines rows (12-element arrays, oldest first).
    static Result<Bars> parseKlines(const QByteArray &body);
    // The archive's CSV: 12 columns, no header (one is skipped if present), open time in ms
    // or µs per value (µs values exceed 1e14).
    static Result<Bars> parseArchiveCsv(const QByteArray &csv);

protected:
    Result<QList<SymbolInfo>> loadMarkets() override;

private:
    QString m_archiveUrl;
};

} // namespace barkeep::crypto
