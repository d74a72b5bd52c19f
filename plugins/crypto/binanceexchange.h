// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include "cryptoexchange.h"

namespace barkeep::crypto {

// Binance Spot: /api/v3/klines paged forward by startTime (1000 per request, weight 2),
// symbols from /api/v3/exchangeInfo (weight 20), and whole past months of 1m bars from the
// public data archive (zip + .CHECKSUM). The limits in force come from Binance: every
// exchangeInfo.rateLimits entry is announced to the host's RequestGate when the plugin first
// talks to Binance, again whenever the gate finds them stale (periodically, or after a
// used-weight header naming an unknown interval, a 429 or a 418), and a refusal that states
// the current limit ("current limit is 240 request weight per 1 MINUTE") announces it at once.
// The gate reads X-MBX-USED-WEIGHT-<n><unit> for every interval itself.
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
    // One month of the public data archive's 1m klines in the folder `dirUrl` (spot's
    // data/spot/monthly/klines/<SYMBOL>/1m/, USD-M's data/futures/um/...: the same layout):
    // the zip checked against its .CHECKSUM, its CSV parsed with or without a header row.
    // `get` fetches a URL (the archive is a static host outside the REST weight budget);
    // `label` names the archive in errors.
    static Result<BarBatch> fetchArchiveMonthFrom(
        const std::function<Result<HttpResponse>(const QUrl &)> &get, const QString &dirUrl,
        const QString &nativeSymbol, int year, int month, const QString &label);
    // The kline stream /ws/<symbol lower>@kline_<interval> (provider-apis.md §1).
    std::unique_ptr<BarStream> openStream(const QString &symbol, const QString &timeframe) override;

    // Binance's {code,msg} errors and HTTP statuses in Barkeep's kinds.
    static Error mapError(const HttpResponse &response);
    // One page of /api/v3/klines rows (12-element arrays, oldest first).
    static Result<Bars> parseKlines(const QByteArray &body);
    // The same, for rows asked as `interval`: a row whose close time (field 6) is not the end
    // of its `interval` bucket was served as another interval and fails the page (the wire
    // check of issue 17).
    static Result<Bars> parseKlinesAs(const QByteArray &body,
                                      const std::optional<Timeframe> &interval);
    // One kline stream frame: the bar and its `x` (closed) flag; nullopt for the frames that
    // carry no bar (a control answer {"result":…,"id":…}, the serverShutdown notice); an
    // error with the reason for anything else, including a {code,msg} refusal.
    static Result<std::optional<StreamBar>> parseKlineEvent(const QByteArray &message);
    // The archive's CSV: 12 columns, no header (one is skipped if present), open time in ms
    // or µs per value (µs values exceed 1e14).
    static Result<Bars> parseArchiveCsv(const QByteArray &csv);
    // exchangeInfo.rateLimits: the REQUEST_WEIGHT and RAW_REQUESTS entries as limits (ORDERS
    // and unknown types or intervals are skipped).
    static QList<RateLimit> parseRateLimits(const QJsonArray &rateLimits);
    // The limit a -1003 refusal states ("... current limit is 240 request weight per 1
    // MINUTE ..."), if it states one.
    static std::optional<RateLimit> limitStatedIn(const QByteArray &body);

protected:
    Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf, const SymbolInfo &sym,
                                BarBatch batch) override;
    Result<QList<SymbolInfo>> loadMarkets() override;
    void heard(const HttpResponse &response) const override;

private:
    // Reads exchangeInfo for `native` again when the gate finds the announced limits stale;
    // one thread does it, the others go on under the limits in force.
    void refreshLimits(const QString &native, const std::atomic<bool> *cancel);

    static constexpr qint64 kRefreshSpacingMs = 5'000;
    QString m_archiveUrl;
    std::mutex m_refreshMutex;
    std::atomic<qint64> m_nextRefreshMs{0};
};

} // namespace barkeep::crypto
