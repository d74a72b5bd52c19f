// SPDX-License-Identifier: GPL-3.0-or-later
#include "apiparams.h"

#include "plugin/pluginregistry.h"
#include "services/marketservice.h"
#include "storage/barstore.h"

#include <QDateTime>
#include <QHttpServerRequest>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }
QString shown(const QString &text) { return text.size() > 64 ? text.left(64) + QStringLiteral("...") : text; }
constexpr qint64 kSymbolListTtlMs = 5 * 60 * 1000;
} // namespace

ApiQuery::ApiQuery(const QHttpServerRequest &request) : m_query(request.query()) {}

QString ApiQuery::optional(const QString &name) const
{
    return m_query.queryItemValue(name, QUrl::FullyDecoded);
}

Result<QString> ApiQuery::required(const QString &name) const
{
    const QString v = optional(name);
    if (v.isEmpty())
        return badInput(QStringLiteral("missing query parameter '%1'").arg(name));
    return v;
}

Result<qint64> checkedInteger(const QString &name, const QString &text, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok)
        return badInput(QStringLiteral("'%1' must be an integer (epoch milliseconds for times), got '%2'")
                            .arg(name, shown(text)));
    if (v < min || v > max)
        return badInput(QStringLiteral("'%1' must be between %2 and %3, got %4")
                            .arg(name).arg(min).arg(max).arg(v));
    return v;
}

Result<qint64> ApiQuery::integer(const QString &name, qint64 fallback, qint64 min, qint64 max) const
{
    if (!m_query.hasQueryItem(name))
        return fallback;
    return checkedInteger(name, optional(name), min, max);
}

VoidResult checkMarketProvider(const PluginRegistry &registry, const QString &market,
                               const QString &provider)
{
    const QStringList markets = registry.markets();
    if (!markets.contains(market))
        return badInput(QStringLiteral("unknown market '%1' (known: %2)")
                            .arg(shown(market), markets.join(QStringLiteral(", "))));
    if (!registry.provider(market, provider)) {
        QStringList ids;
        for (const ProviderInfo &p : registry.providers(market))
            ids << p.id;
        return badInput(QStringLiteral("unknown provider '%1' in market '%2' (known: %3)")
                            .arg(shown(provider), market, ids.join(QStringLiteral(", "))));
    }
    return {};
}

VoidResult checkSymbolText(const QString &symbol)
{
    if (symbol.isEmpty())
        return badInput(QStringLiteral("missing 'symbol'"));
    if (symbol.size() > kMaxSymbolLength)
        return badInput(QStringLiteral("'symbol' is longer than %1 characters").arg(kMaxSymbolLength));
    for (QChar c : symbol)
        if (c.isSpace() || !c.isPrint())
            return badInput(QStringLiteral("'symbol' must not contain spaces or control characters"));
    if (const QString why = pathLikeReason(symbol); !why.isEmpty())
        return badInput(QStringLiteral("'symbol' %1: a symbol names an instrument of the provider "
                                       "(BTC/USDT, BTC/USDT:USDT, AAPL), never a file or URL; CSV "
                                       "files are imported with `barkeep import FILE`")
                            .arg(why));
    return {};
}

QString pathLikeReason(const QString &symbol)
{
    // No provider reads the file system any more; this keeps it that way for any plugin a
    // later version adds, and keeps such text out of logs and store keys.
    if (symbol.startsWith(QLatin1String("file:"), Qt::CaseInsensitive))
        return QStringLiteral("must not be a file: URL");
    static const QString leading = QStringLiteral("/.~\\");
    if (!symbol.isEmpty() && leading.contains(symbol.front()))
        return QStringLiteral("must not start with '%1'").arg(symbol.front());
    if (symbol.contains(QLatin1String("..")))
        return QStringLiteral("must not contain '..'");
    if (symbol.contains(QLatin1Char('\\')))
        return QStringLiteral("must not contain '\\'");
    if (symbol.count(QLatin1Char('/')) > 1)
        return QStringLiteral("must not contain more than one '/'");
    // A URL scheme (letters, digits, + - . before ':') followed by '/': "http://", "c:/".
    // BTC/USDT:USDT has its ':' after the '/', so its text before ':' is no scheme.
    const qsizetype colon = symbol.indexOf(QLatin1Char(':'));
    if (colon > 0 && colon + 1 < symbol.size() && symbol[colon + 1] == QLatin1Char('/')) {
        bool scheme = symbol[0].isLetter();
        for (qsizetype i = 1; scheme && i < colon; ++i) {
            const QChar c = symbol[i];
            scheme = c.isLetterOrNumber() || c == QLatin1Char('+') || c == QLatin1Char('-')
                || c == QLatin1Char('.');
        }
        if (scheme)
            return QStringLiteral("must not be a URL");
    }
    return {};
}

Result<SeriesKey> ApiQuery::series(const PluginRegistry &registry, SeriesParts parts) const
{
    SeriesKey key;
    Result<QString> market = required(QStringLiteral("market"));
    if (!market)
        return market.error();
    Result<QString> provider = required(QStringLiteral("provider"));
    if (!provider)
        return provider.error();
    if (VoidResult ok = checkMarketProvider(registry, *market, *provider); !ok)
        return ok.error();
    key.market = *market;
    key.provider = *provider;
    if (parts.symbol) {
        Result<QString> symbol = required(QStringLiteral("symbol"));
        if (!symbol)
            return symbol.error();
        if (VoidResult ok = checkSymbolText(*symbol); !ok)
            return ok.error();
        key.symbol = *symbol;
    }
    if (parts.timeframe && has(QStringLiteral("timeframe"))) {
        Result<Timeframe> tf = Timeframe::parse(optional(QStringLiteral("timeframe")));
        if (!tf)
            return badInput(tf.error().message());
        key.timeframe = tf->name();
    }
    return key;
}

VoidResult SymbolCheck::check(const QString &market, const QString &provider, const QString &symbol)
{
    const QString id = market + QLatin1Char('/') + provider;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_entries.constFind(id);
        if (it != m_entries.cend() && now - it->loadedMs < kSymbolListTtlMs
            && it->symbols.contains(symbol))
            return {};
    }
    Result<std::shared_ptr<MarketPlugin>> plugin = m_market->plugin(market, provider);
    if (!plugin)
        return plugin.error();
    Result<QList<SymbolInfo>> list = (*plugin)->symbols();
    if (!list)
        return list.error();
    Entry e;
    e.loadedMs = now;
    for (const SymbolInfo &s : *list)
        e.symbols.insert(s.symbol);
    const bool fromStore = list->isEmpty() && m_store;
    if (fromStore) {
        Result<QList<SeriesKey>> series = m_store->listSeries();
        if (!series)
            return series.error();
        for (const SeriesKey &k : *series)
            if (k.market == market && k.provider == provider)
                e.symbols.insert(k.symbol);
    }
    const bool known = e.symbols.contains(symbol);
    {
        QMutexLocker lock(&m_mutex);
        m_entries.insert(id, std::move(e));
    }
    if (!known && fromStore)
        return badInput(QStringLiteral("no series '%1' stored for provider '%2': it serves "
                                       "imported bars only (barkeep import FILE)")
                            .arg(shown(symbol), provider));
    if (!known)
        return badInput(QStringLiteral("unknown symbol '%1' at provider '%2' "
                                       "(GET /api/v1/symbols?market=%3&provider=%2 lists them)")
                            .arg(shown(symbol), provider, market));
    return {};
}

} // namespace barkeep
