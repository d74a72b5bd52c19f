// SPDX-License-Identifier: GPL-3.0-or-later
#include "localapiserver.h"

#include "barjsonencoder.h"
#include "log/logging.h"
#include "model/timeframe.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/barstore.h"
#include "cache/barcache.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QtConcurrent>

namespace barkeep {

namespace {

using Status = QHttpServerResponder::StatusCode;

// A responder kept alive across an asynchronous answer, written only while its client is
// still connected.
class PendingResponse
{
public:
    explicit PendingResponse(QHttpServerResponder &&responder)
        : m_responder(std::make_shared<QHttpServerResponder>(std::move(responder))),
          m_socket(m_responder->socket())
    {}

    void send(int status, const QByteArray &body,
              const QByteArray &contentType = QByteArrayLiteral("application/json")) const
    {
        if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
            return;
        m_responder->writeStatusLine(Status(status));
        m_responder->writeHeader("Content-Type", contentType);
        m_responder->writeHeader("Content-Length", QByteArray::number(body.size()));
        m_responder->writeHeader("Cache-Control", "no-store");
        m_responder->writeHeader("X-Content-Type-Options", "nosniff");
        m_responder->writeBody(body);
    }

    void sendError(const Error &e) const
    {
        QJsonObject err{{QStringLiteral("code"), e.code()}, {QStringLiteral("message"), e.message()}};
        if (!e.detail().isEmpty())
            err.insert(QStringLiteral("detail"), e.detail());
        if (e.retryAfterMs() >= 0)
            err.insert(QStringLiteral("retryAfterMs"), e.retryAfterMs());
        send(e.httpStatus(),
             QJsonDocument(QJsonObject{{QStringLiteral("error"), err}}).toJson(QJsonDocument::Compact));
    }

    void sendJson(const QJsonObject &o, int status = 200) const
    {
        send(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
    }

private:
    std::shared_ptr<QHttpServerResponder> m_responder;
    QPointer<QTcpSocket> m_socket;
};

Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }

// Typed query-string access that collects a clear message for the first bad parameter.
class Query
{
public:
    explicit Query(const QHttpServerRequest &request) : m_query(request.query()) {}

    std::optional<QString> required(const QString &name, Error &error) const
    {
        const QString v = m_query.queryItemValue(name, QUrl::FullyDecoded);
        if (v.isEmpty()) {
            error = badInput(QStringLiteral("missing query parameter '%1'").arg(name));
            return std::nullopt;
        }
        return v;
    }
    QString optional(const QString &name) const
    {
        return m_query.queryItemValue(name, QUrl::FullyDecoded);
    }
    // An integer parameter within [min, max]; `fallback` when absent.
    std::optional<qint64> integer(const QString &name, qint64 fallback, qint64 min, qint64 max,
                                  Error &error) const
    {
        if (!m_query.hasQueryItem(name))
            return fallback;
        bool ok = false;
        const qint64 v = m_query.queryItemValue(name).toLongLong(&ok);
        if (!ok) {
            error = badInput(QStringLiteral("'%1' must be an integer, got '%2'")
                                 .arg(name, m_query.queryItemValue(name)));
            return std::nullopt;
        }
        if (v < min || v > max) {
            error = badInput(QStringLiteral("'%1' must be between %2 and %3, got %4")
                                 .arg(name).arg(min).arg(max).arg(v));
            return std::nullopt;
        }
        return v;
    }

private:
    QUrlQuery m_query;
};

constexpr qint64 kMaxTime = 253402300800000LL; // 10000-01-01

} // namespace

LocalApiServer::LocalApiServer(const ApiServices &services, const ApiOptions &options,
                               QObject *parent)
    : QObject(parent), m_services(services), m_options(options),
      m_server(std::make_unique<QHttpServer>())
{
    m_pool.setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
    m_pool.setObjectName(QStringLiteral("api-workers"));
    setupRoutes();
}

LocalApiServer::~LocalApiServer()
{
    m_pool.waitForDone();
}

bool LocalApiServer::tokensEqual(const QByteArray &a, const QByteArray &b)
{
    // Always walks the longer length so timing says nothing about where they differ.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0 && !a.isEmpty();
}

bool LocalApiServer::hostAllowed(const QByteArray &hostHeader, const QStringList &allowed)
{
    QString host = QString::fromLatin1(hostHeader).trimmed().toLower();
    if (host.startsWith(QLatin1Char('['))) {
        host = host.mid(1, host.indexOf(QLatin1Char(']')) - 1);
    } else if (host.count(QLatin1Char(':')) == 1) {
        host = host.left(host.indexOf(QLatin1Char(':')));
    }
    if (host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1")
        || host == QLatin1String("::1"))
        return true;
    for (const QString &a : allowed)
        if (!a.trimmed().isEmpty() && host == a.trimmed().toLower())
            return true;
    return false;
}

std::optional<Error> LocalApiServer::checkAccess(const QHttpServerRequest &request,
                                                 bool needToken) const
{
    if (!hostAllowed(request.value("Host"), m_options.allowedHosts))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("Host header '%1' is not allowed (add it to api.allowedHosts)")
                         .arg(QString::fromLatin1(request.value("Host"))));
    if (!needToken)
        return std::nullopt;
    QByteArray token;
    const QByteArray auth = request.value("Authorization");
    if (auth.startsWith("Bearer "))
        token = auth.mid(7).trimmed();
    else
        token = request.query().queryItemValue(QStringLiteral("token")).toUtf8();
    if (token.isEmpty())
        return Error(Error::Kind::Unauthorized,
                     QStringLiteral("missing API token: send 'Authorization: Bearer <token>'"));
    if (!tokensEqual(token, m_options.token))
        return Error(Error::Kind::Unauthorized, QStringLiteral("wrong API token"));
    return std::nullopt;
}

void LocalApiServer::setupRoutes()
{
    using Method = QHttpServerRequest::Method;
    QHttpServer *s = m_server.get();

    s->route(QStringLiteral("/api/v1/health"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, false))
                     return r.sendError(*e);
                 r.sendJson({{QStringLiteral("status"), QStringLiteral("ok")},
                             {QStringLiteral("version"), QStringLiteral(BARKEEP_VERSION)},
                             {QStringLiteral("apiVersion"), kApiVersion},
                             {QStringLiteral("store"), m_services.store ? m_services.store->describe() : QString()},
                             {QStringLiteral("cache"), m_services.cache ? m_services.cache->describe() : QStringLiteral("none")}});
             });

    s->route(QStringLiteral("/api/v1/markets"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, true))
                     return r.sendError(*e);
                 QJsonArray markets;
                 for (const PluginMetadata &p : m_services.registry->plugins())
                     for (const QString &m : p.markets)
                         markets.append(QJsonObject{{QStringLiteral("market"), m},
                                                    {QStringLiteral("plugin"), p.id}});
                 r.sendJson({{QStringLiteral("markets"), markets}});
             });

    s->route(QStringLiteral("/api/v1/providers"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, true))
                     return r.sendError(*e);
                 const QString market = Query(req).optional(QStringLiteral("market"));
                 if (!market.isEmpty() && !m_services.registry->markets().contains(market))
                     return r.sendError(badInput(QStringLiteral("unknown market '%1' (known: %2)")
                                                     .arg(market, m_services.registry->markets().join(QStringLiteral(", ")))));
                 QJsonArray providers;
                 for (const ProviderInfo &p : m_services.registry->providers(market)) {
                     QJsonObject o{{QStringLiteral("id"), p.id},
                                   {QStringLiteral("market"), p.market},
                                   {QStringLiteral("name"), p.name},
                                   {QStringLiteral("requiresCredentials"), p.requiresCredentials},
                                   {QStringLiteral("testnet"), p.testnet},
                                   {QStringLiteral("timeframes"), QJsonArray::fromStringList(p.timeframes)},
                                   {QStringLiteral("maxBarsPerRequest"), p.maxBarsPerRequest},
                                   {QStringLiteral("reachesFullHistory"), p.reachesFullHistory}};
                     if (!p.historyNote.isEmpty())
                         o.insert(QStringLiteral("historyNote"), p.historyNote);
                     providers.append(o);
                 }
                 r.sendJson({{QStringLiteral("providers"), providers}});
             });

    s->route(QStringLiteral("/api/v1/symbols"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, true))
                     return r.sendError(*e);
                 Error err;
                 Query q(req);
                 const auto market = q.required(QStringLiteral("market"), err);
                 const auto provider = market ? q.required(QStringLiteral("provider"), err) : std::nullopt;
                 if (!market || !provider)
                     return r.sendError(err);
                 QtConcurrent::run(&m_pool, [this, m = *market, p = *provider] {
                     Result<std::shared_ptr<MarketPlugin>> plugin = m_services.market->plugin(m, p);
                     if (!plugin)
                         return Result<QList<SymbolInfo>>(plugin.error());
                     return (*plugin)->symbols();
                 }).then(this, [r](const Result<QList<SymbolInfo>> &symbols) {
                     if (!symbols)
                         return r.sendError(symbols.error());
                     QJsonArray out;
                     for (const SymbolInfo &si : *symbols)
                         out.append(QJsonObject{{QStringLiteral("symbol"), si.symbol},
                                                {QStringLiteral("base"), si.base},
                                                {QStringLiteral("quote"), si.quote},
                                                {QStringLiteral("native"), si.native}});
                     r.sendJson({{QStringLiteral("symbols"), out}});
                 });
             });

    s->route(QStringLiteral("/api/v1/ohlcv"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, true))
                     return r.sendError(*e);
                 Error err;
                 Query q(req);
                 SeriesKey key;
                 const auto market = q.required(QStringLiteral("market"), err);
                 const auto provider = market ? q.required(QStringLiteral("provider"), err) : std::nullopt;
                 const auto symbol = provider ? q.required(QStringLiteral("symbol"), err) : std::nullopt;
                 if (!symbol)
                     return r.sendError(err);
                 key.market = *market;
                 key.provider = *provider;
                 key.symbol = *symbol;
                 key.timeframe = q.optional(QStringLiteral("timeframe"));
                 if (key.timeframe.isEmpty())
                     key.timeframe = QStringLiteral("1m");
                 Result<Timeframe> tf = Timeframe::parse(key.timeframe);
                 if (!tf)
                     return r.sendError(tf.error());
                 const auto provider_ = m_services.registry->provider(key.market, key.provider);
                 if (!provider_)
                     return r.sendError(badInput(QStringLiteral("unknown provider '%1' in market '%2'")
                                                     .arg(key.provider, key.market)));
                 const qint64 now = QDateTime::currentMSecsSinceEpoch();
                 const auto limit = q.integer(QStringLiteral("limit"), m_options.defaultBars, 1,
                                              m_options.maxBarsPerAnswer, err);
                 if (!limit)
                     return r.sendError(err);
                 const auto until = q.integer(QStringLiteral("until"), now + tf->durationMs(), 0, kMaxTime, err);
                 if (!until)
                     return r.sendError(err);
                 const auto since = q.integer(QStringLiteral("since"),
                                              std::max<qint64>(0, *until - *limit * tf->durationMs()),
                                              0, kMaxTime, err);
                 if (!since)
                     return r.sendError(err);
                 if (*since >= *until)
                     return r.sendError(badInput(QStringLiteral("'since' (%1) must be before 'until' (%2)")
                                                     .arg(*since).arg(*until)));
                 const QString format = q.optional(QStringLiteral("format"));
                 if (!format.isEmpty() && format != QLatin1String("json") && format != QLatin1String("csv"))
                     return r.sendError(badInput(QStringLiteral("'format' must be json or csv")));
                 // Fetch no further than `limit` bars can reach; the script pages on from the
                 // last bar's time + 1.
                 const qint64 reach = *since + *limit * tf->durationMs() * (tf->isMonthly() ? 2 : 1);
                 const TimeRange range{*since, std::min(*until, reach)};
                 QtConcurrent::run(&m_pool, [this, key, range, limit = *limit] {
                     return m_services.orchestrator->bars(key, range, limit);
                 }).then(this, [r, key, format, range, until = *until, limit = *limit](const Result<Bars> &bars) {
                     if (!bars)
                         return r.sendError(bars.error());
                     if (format == QLatin1String("csv"))
                         return r.send(200, BarJsonEncoder::csv(*bars), "text/csv");
                     QByteArray body;
                     body.reserve(qsizetype(bars->size()) * 72 + 256);
                     const QJsonObject head{{QStringLiteral("market"), key.market},
                                            {QStringLiteral("provider"), key.provider},
                                            {QStringLiteral("symbol"), key.symbol},
                                            {QStringLiteral("timeframe"), key.timeframe}};
                     body = QJsonDocument(head).toJson(QJsonDocument::Compact);
                     body.chop(1); // reopen the object to append the hand-encoded bars
                     body.append(",\"bars\":");
                     BarJsonEncoder::appendBars(body, *bars);
                     // Where to continue: more bars may exist after the last one returned.
                     const bool more = qint64(bars->size()) >= limit || range.to < until;
                     if (more) {
                         body.append(",\"next\":");
                         BarJsonEncoder::appendInt(body, bars->empty() ? range.to : bars->back().t + 1);
                     }
                     body.append('}');
                     r.send(200, body);
                 });
             });

    s->route(QStringLiteral("/api/v1/coverage"), Method::Get,
             [this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
                 PendingResponse r(std::move(responder));
                 if (auto e = checkAccess(req, true))
                     return r.sendError(*e);
                 Error err;
                 Query q(req);
                 const auto market = q.required(QStringLiteral("market"), err);
                 const auto provider = market ? q.required(QStringLiteral("provider"), err) : std::nullopt;
                 const auto symbol = provider ? q.required(QStringLiteral("symbol"), err) : std::nullopt;
                 if (!symbol)
                     return r.sendError(err);
                 const auto info = m_services.registry->provider(*market, *provider);
                 if (!info)
                     return r.sendError(badInput(QStringLiteral("unknown provider '%1' in market '%2'")
                                                     .arg(*provider, *market)));
                 const qint64 now = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
                 const auto since = q.integer(QStringLiteral("since"), info->earliestMs, 0, kMaxTime, err);
                 const auto until = since ? q.integer(QStringLiteral("until"), now, 0, kMaxTime, err) : std::nullopt;
                 if (!since || !until)
                     return r.sendError(err);
                 if (*since >= *until)
                     return r.sendError(badInput(QStringLiteral("'since' must be before 'until'")));
                 const SeriesKey key{*market, *provider, *symbol, QStringLiteral("1m")};
                 const TimeRange range{*since, *until};
                 QtConcurrent::run(&m_pool, [this, key, range] {
                     Result<CoverageIntervals> cov = m_services.store->coverage(key, range);
                     if (!cov)
                         return Result<QJsonObject>(cov.error());
                     Result<TimeRanges> gaps = m_services.store->gaps(key, range);
                     if (!gaps)
                         return Result<QJsonObject>(gaps.error());
                     QJsonArray bars, empty, holes;
                     auto pair = [](TimeRange t) { return QJsonArray{t.from, t.to}; };
                     for (const CoverageInterval &c : *cov)
                         (c.state == CoverageState::Bars ? bars : empty).append(pair(c.range));
                     for (const TimeRange &g : *gaps)
                         holes.append(pair(g));
                     return Result<QJsonObject>(QJsonObject{{QStringLiteral("bars"), bars},
                                                            {QStringLiteral("empty"), empty},
                                                            {QStringLiteral("gaps"), holes}});
                 }).then(this, [r](const Result<QJsonObject> &o) {
                     if (!o)
                         return r.sendError(o.error());
                     r.sendJson(*o);
                 });
             });

    s->setMissingHandler([this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
        PendingResponse r(std::move(responder));
        if (auto e = checkAccess(req, false))
            return r.sendError(*e);
        r.sendError(Error(Error::Kind::NotFound,
                          QStringLiteral("no route %1").arg(req.url().path())));
    });
}

VoidResult LocalApiServer::listen()
{
    m_port = m_server->listen(m_options.address, m_options.port);
    if (m_port == 0)
        return Error(Error::Kind::Unavailable,
                     QStringLiteral("cannot listen on %1:%2 (in use, or not allowed)")
                         .arg(m_options.address.toString())
                         .arg(m_options.port));
    if (!m_options.address.isLoopback())
        qCWarning(lcApi).noquote()
            << "The API listens on" << m_options.address.toString()
            << "which is NOT loopback: anyone who can reach this address and has the token"
               " can read and change data.";
    qCInfo(lcApi).noquote() << QStringLiteral("API listening on http://%1:%2/api/v1/")
                                   .arg(m_options.address.toString())
                                   .arg(m_port);
    return {};
}

} // namespace barkeep
