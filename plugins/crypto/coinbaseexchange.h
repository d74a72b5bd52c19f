// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Coinbase Exchange: /products/{id}/candles walked in consecutive windows of at most 300
// buckets; rows are [time s, low, high, open, close, volume], newest first, and buckets
// without trades are absent. Symbols from /products.
class CoinbaseExchange : public CryptoExchange
{
public:
    static constexpr int kMaxBuckets = 300;

    CoinbaseExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context);

    QString providerId() const override { return QStringLiteral("coinbase"); }
    QStringList timeframes() const override;

    static Error mapError(const HttpResponse &response);
    // One candles answer, returned oldest first.
    static Result<Bars> parseCandles(const QByteArray &body);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;
};

} // namespace barkeep::crypto
