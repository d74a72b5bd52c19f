// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/timeframe.h"
#include "plugin/marketplugin.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace barkeep::crypto {

// What every exchange of this plugin shares: settings, the host's HTTP client, the market
// list loaded once (single-flight) and cached, symbol resolution (unified BASE/QUOTE or the
// native id), JSON checks that report the offending fragment. One instance per exchange;
// methods block and run on worker threads, several at once.
class CryptoExchange : public MarketPlugin
{
public:
    CryptoExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context,
                   QString defaultBaseUrl);

    Result<QList<SymbolInfo>> symbols() override;
    // How every exchange starts a fetch (timeframe checked, symbol resolved, an empty range
    // answered as is) before fetchPages() pages through the provider.
    Result<BarBatch> fetchBars(const BarRequest &request) final;

    // The WebSocket root: providers.<id>.wsUrl, else `fallback`, without a trailing '/'.
    QString wsRoot(const QString &fallback) const;

    // The native timeframes, in the order of the metadata.
    virtual QStringList timeframes() const = 0;

    // Finds a symbol by unified name ("BTC/USDT") or native id ("BTCUSDT").
    Result<SymbolInfo> resolve(const QString &symbol);

    // Wall clock in ms; a bar whose bucket ends after the moment its request went out may
    // still be forming.
    static qint64 nowMs();
    // A slice of a body for an error detail.
    static QString fragment(const QByteArray &body, qsizetype at = 0, qsizetype span = 160);
    // Parses JSON or returns BadResponse with the fragment around the parse error.
    static Result<QJsonDocument> parseJson(const QByteArray &body, const QString &provider);
    // Parses JSON that must be an object, else BadResponse "<what>: expected an object" with
    // the start of the body (a stream message, an answer).
    static Result<QJsonObject> parseJsonObject(const QByteArray &body, const QString &provider,
                                               const QString &what);
    // The same for a JSON array (a page of rows): "<what>: expected an array".
    static Result<QJsonArray> parseJsonArray(const QByteArray &body, const QString &provider,
                                             const QString &what);
    static QString compact(const QJsonValue &value);
    // An RFC-3339 UTC time ("2024-01-01T12:00:00Z", any fraction, "Z" or ±HH:MM) in ms.
    static std::optional<qint64> parseRfc3339(QStringView text);
    // A JSON string or number as double (exchanges send prices as either).
    static bool toNumber(const QJsonValue &value, double *out);

protected:
    virtual Result<QList<SymbolInfo>> loadMarkets() = 0;
    // Other names a symbol answers to (Kraken's altname "XBTUSD" and wsname "XBT/USD").
    // Called under the markets lock, right after loadMarkets().
    virtual QStringList aliasesOf(const SymbolInfo &info) const
    {
        Q_UNUSED(info);
        return {};
    }
    Result<Timeframe> checkTimeframe(const QString &name) const;
    // The native timeframe and the resolved symbol a fetch or a stream asks for.
    struct SeriesTarget
    {
        Timeframe timeframe;
        SymbolInfo symbol;
    };
    // checkTimeframe(), then resolve(): the first error, else both.
    Result<SeriesTarget> checkSeries(const QString &symbol, const QString &timeframe);
    // Pages through the provider for a request fetchBars() has checked: the timeframe is
    // native, the symbol resolved, the range not empty; `batch` is empty and covers
    // [since, since).
    virtual Result<BarBatch> fetchPages(const BarRequest &request, const Timeframe &tf,
                                        const SymbolInfo &sym, BarBatch batch) = 0;
    QUrl endpoint(const QString &path, const QUrlQuery &query = {}) const;
    Result<HttpResponse> get(const QUrl &url, int weight, const std::atomic<bool> *cancel,
                             QList<QPair<QByteArray, QByteArray>> headers = {}) const;
    // A JSON answer and the body it came from (error details quote the body).
    struct JsonAnswer
    {
        QByteArray body;
        QJsonDocument doc;
    };
    // get() for a JSON answer: a transport error as is, an HTTP error through the exchange's
    // `mapError`, a body that is not JSON as parseJson() reports it.
    Result<JsonAnswer> getJson(const QUrl &url, int weight, const QString &provider,
                               Error (*mapError)(const HttpResponse &)) const;
    // One page of bars for fetchPages(): get(), counted in `batch.requests` once the exchange
    // answered, an HTTP error through `mapError`, the body through `parse`.
    Result<Bars> getBars(const QUrl &url, int weight, const std::atomic<bool> *cancel,
                         Error (*mapError)(const HttpResponse &),
                         const std::function<Result<Bars>(const QByteArray &)> &parse,
                         BarBatch &batch) const;
    // The wire check (plugins/common/wirecheck.h) of candle rows asked as `tf`: BadResponse
    // with the reason when they are not candles of `tf` (a provider or proxy answering
    // another interval), else nullopt. fetchBars() runs it on every answer; exchanges run it
    // on each page as well, before anything of the page is kept.
    std::optional<Error> checkPage(const Bars &rows, const Timeframe &tf) const;

    // The host's gate of this provider (nullptr without one, in some tests).
    RequestGate *gate() const { return m_context ? m_context->http.gate() : nullptr; }
    // Every answer of the provider that came through getJson()/getBars(), before it is
    // mapped: an exchange reads there what its provider says about its limits.
    virtual void heard(const HttpResponse &response) const { Q_UNUSED(response); }
    // `error`, read from `response`, is the provider's "too many" or ban said in its own
    // words (Kraken's EGeneral:Too many requests in an HTTP 200 body): the gate learns it as
    // it learns a 429, so the whole provider pauses, not this one request. A 429 or 418 the
    // gate has seen itself is not reported twice.
    void reportThrottle(const Error &error, const HttpResponse &response) const;

    // Where a market list names a market's parts (Binance "symbol"/"baseAsset"/"quoteAsset").
    struct MarketKeys
    {
        QString native;
        QString base;
        QString quote;
    };
    // A JSON array of market objects as SymbolInfo (unified name BASE/QUOTE); an entry
    // missing a part fails the whole list with BadResponse `malformed` and the entry.
    static Result<QList<SymbolInfo>> parseMarkets(const QJsonArray &list, const MarketKeys &keys,
                                                  const QString &malformed);
    // The bars of `rows`, a page of candle rows in the provider's order: `readRow(row, before,
    // b)` reads one row (an array) into `b`, `before` being the bars read so far (for an order
    // check); a row that is not an array or that readRow() refuses fails the whole page with
    // BadResponse `malformed` and the row.
    template <typename ReadRow>
    static Result<Bars> parseBarRows(const QJsonArray &rows, const QString &malformed,
                                     ReadRow &&readRow)
    {
        Bars bars;
        bars.reserve(rows.size());
        for (const QJsonValue &rowValue : rows) {
            Bar b;
            if (!rowValue.isArray() || !readRow(rowValue.toArray(), std::as_const(bars), b))
                return Error(Error::Kind::BadResponse, malformed, compact(rowValue));
            bars.push_back(b);
        }
        return bars;
    }

    ProviderSettings m_settings;
    std::shared_ptr<ProviderContext> m_context;
    QString m_baseUrl;

private:
    std::mutex m_marketsMutex; // held across the load: concurrent callers wait for one load
    std::optional<QList<SymbolInfo>> m_markets;
    QHash<QString, qsizetype> m_byName; // unified and native names → index in m_markets
};

} // namespace barkeep::crypto
