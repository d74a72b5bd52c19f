// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/series.h"
#include "model/timeframe.h"
#include "util/result.h"

#include <QHash>
#include <QMutex>
#include <QSet>
#include <QUrlQuery>

#include <optional>

class QHttpServerRequest;

namespace barkeep {

class BarStore;
class MarketService;
class PluginRegistry;

// Latest time the API accepts (10000-01-01), so arithmetic on times never overflows.
constexpr qint64 kApiMaxTime = 253402300800000LL;

// Typed access to a request's query string. Every accessor returns a BadInput error that
// names the parameter and says what to change.
class ApiQuery
{
public:
    explicit ApiQuery(const QHttpServerRequest &request);
    explicit ApiQuery(QUrlQuery query) : m_query(std::move(query)) {}

    bool has(const QString &name) const { return m_query.hasQueryItem(name); }
    QString optional(const QString &name) const;
    Result<QString> required(const QString &name) const;
    // An integer within [min, max]; `fallback` when absent.
    Result<qint64> integer(const QString &name, qint64 fallback, qint64 min, qint64 max) const;

    // Which parts of a series a route takes besides market and provider; named at the call:
    // series(registry, {.symbol = true, .timeframe = true}).
    struct SeriesParts
    {
        bool symbol = false;
        bool timeframe = false; // default 1m when absent
    };
    // market + provider (+ symbol) (+ timeframe), checked against the registry.
    Result<SeriesKey> series(const PluginRegistry &registry, SeriesParts parts) const;

private:
    QUrlQuery m_query;
};

// Shared by the query string and the JSON body of POST /backfills.
Result<qint64> checkedInteger(const QString &name, const QString &text, qint64 min, qint64 max);
VoidResult checkMarketProvider(const PluginRegistry &registry, const QString &market,
                               const QString &provider);
// The one rule for a symbol a client sends (query string, POST /backfills body, stream
// subscribe): 1..kMaxSymbolLength printable characters without spaces, and nothing that reads
// as a path or URL (pathLikeReason), so no client input ever names a file.
constexpr int kMaxSymbolLength = 64;
BARKEEPCORE_EXPORT VoidResult checkSymbolText(const QString &symbol);
// Why `symbol` looks like a path or URL ("must not start with '/'"), empty when it does not:
// file:, a leading / . ~ \, "..", a backslash, more than one '/', a scheme followed by '/'.
// BTC/USDT and the ccxt perpetual form BTC/USDT:USDT pass.
BARKEEPCORE_EXPORT QString pathLikeReason(const QString &symbol);

// Which symbols a provider has, to turn "unknown symbol" into a 400 before any fetch. Lists
// are the plugins' own (cached there); this keeps a set per provider for a few minutes. A
// provider that lists none (csv: its bars are imported) has the symbols of its series in
// `store`. Blocking (may fetch the list): call on a worker thread. Thread-safe.
class SymbolCheck
{
public:
    explicit SymbolCheck(MarketService *market, BarStore *store = nullptr)
        : m_market(market), m_store(store)
    {}
    VoidResult check(const QString &market, const QString &provider, const QString &symbol);

private:
    struct Entry
    {
        QSet<QString> symbols;
        qint64 loadedMs = 0;
    };
    MarketService *m_market;
    BarStore *m_store;
    QMutex m_mutex;
    QHash<QString, Entry> m_entries;
};

} // namespace barkeep
