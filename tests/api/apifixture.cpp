// SPDX-License-Identifier: GPL-3.0-or-later
#include "apifixture.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QThread>
#include <QUrlQuery>

namespace barkeep::test {

Result<qint64> FakeBackfill::submit(const SeriesKey &series, TimeRange range)
{
    if (const int delay = submitDelayMs.load(); delay > 0)
        QThread::msleep(ulong(delay));
    QMutexLocker lock(&m_mutex);
    BackfillJobInfo j;
    j.id = m_next++;
    j.series = series;
    j.range = range;
    j.state = JobState::Queued;
    m_jobs.insert(j.id, j);
    return j.id;
}

VoidResult FakeBackfill::cancel(qint64 id)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(id));
    if (it->state == JobState::Done)
        return Error(Error::Kind::Conflict, QStringLiteral("backfill %1 is done").arg(id));
    it->state = JobState::Cancelled;
    return {};
}

VoidResult FakeBackfill::pause(qint64 id)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(id));
    if (isFinished(it->state))
        return Error(Error::Kind::Conflict, QStringLiteral("backfill %1 is %2").arg(id).arg(jobStateName(it->state)));
    it->state = JobState::Paused;
    return {};
}

VoidResult FakeBackfill::resume(qint64 id)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(id));
    if (it->state == JobState::Done || it->state == JobState::Cancelled)
        return Error(Error::Kind::Conflict, QStringLiteral("backfill %1 is %2").arg(id).arg(jobStateName(it->state)));
    if (it->state == JobState::Paused || it->state == JobState::Failed)
        it->state = JobState::Queued;
    return {};
}

VoidResult FakeBackfill::setPriority(qint64 id, int priority)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return Error(Error::Kind::NotFound, QStringLiteral("no backfill %1").arg(id));
    it->priority = priority;
    return {};
}

std::optional<BackfillJobInfo> FakeBackfill::job(qint64 id) const
{
    QMutexLocker lock(&m_mutex);
    if (!m_jobs.contains(id))
        return std::nullopt;
    return m_jobs.value(id);
}

QList<BackfillJobInfo> FakeBackfill::jobs() const
{
    QMutexLocker lock(&m_mutex);
    return m_jobs.values();
}

void FakeBackfill::setJob(const BackfillJobInfo &job)
{
    QMutexLocker lock(&m_mutex);
    m_jobs.insert(job.id, job);
}

ApiFixture::ApiFixture(const Setup &setup)
{
    ConfigSources s;
    s.dataDir = m_dir.path();
    Config config = Config::load(s).config;
    if (setup.config)
        setup.config(config);
    auto store = createBarStore(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("t.db")));
    if (!store || !(*store)->open()) {
        m_error = QStringLiteral("store");
        return;
    }
    m_store = std::move(store).value();
    auto cache = createBarCache(QStringLiteral("memory:"), 64 << 20, 3600);
    if (!cache || !(*cache)->open()) {
        m_error = QStringLiteral("cache");
        return;
    }
    m_cache = std::move(cache).value();
    m_registry = std::make_unique<PluginRegistry>();
    m_registry->discover();
    m_market = std::make_unique<MarketService>(m_registry.get(), config);
    m_orchestrator = std::make_unique<DataOrchestrator>(m_store.get(), m_cache.get(), m_market.get());
    ApiServices services{m_registry.get(), m_market.get(), m_orchestrator.get(), m_store.get(),
                         m_cache.get()};
    if (setup.withBackfill) {
        m_backfill = std::make_shared<FakeBackfill>();
        services.backfill = m_backfill;
    }
    ApiOptions options;
    options.address = QHostAddress::LocalHost;
    options.port = 0;
    options.token = kToken;
    options.streamPollMs = 50;
    options.clock = [this] {
        const qint64 c = clock.load();
        return c ? c : QDateTime::currentMSecsSinceEpoch();
    };
    if (setup.options)
        setup.options(options);
    m_server = std::make_unique<LocalApiServer>(services, options);
    if (VoidResult ok = m_server->listen(); !ok) {
        m_error = ok.error().toString();
        m_server.reset();
    }
}

ApiFixture::~ApiFixture()
{
    // As Application::stop(): provider requests in flight are aborted first. The server's
    // destructor waits for its worker pool, and a fake provider living on this (then blocked)
    // thread could never answer a poll still waiting for it: 30 s to its timeout.
    if (m_market)
        m_market->abortRequests();
    m_server.reset();
    m_orchestrator.reset();
    m_market.reset();
}

StreamTestClient::StreamTestClient()
{
    QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &m) {
        messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
    });
}

bool StreamTestClient::open(quint16 port, const QByteArray &token)
{
    QNetworkRequest req(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/stream").arg(port)));
    req.setRawHeader("Authorization", QByteArray("Bearer ") + token);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    ws.open(req);
    return connected.wait(10'000);
}

void StreamTestClient::subscribe(const QString &provider, const QString &symbol, const QString &id, int limit)
{
    const QJsonObject o{{QStringLiteral("op"), QStringLiteral("subscribe")},
                        {QStringLiteral("id"), id},
                        {QStringLiteral("market"), QStringLiteral("crypto")},
                        {QStringLiteral("provider"), provider},
                        {QStringLiteral("symbol"), symbol},
                        {QStringLiteral("timeframe"), QStringLiteral("1m")},
                        {QStringLiteral("limit"), limit}};
    ws.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
}

QList<QJsonObject> StreamTestClient::barMessages(bool final) const
{
    QList<QJsonObject> out;
    for (const QJsonObject &m : messages)
        if (m.value(QStringLiteral("type")) == QLatin1String("bar") && m.value(QStringLiteral("final")).toBool() == final)
            out << m;
    return out;
}

QList<Bar> StreamTestClient::bars(bool final) const
{
    QList<Bar> out;
    for (const QJsonObject &m : barMessages(final))
        out << barOf(m);
    return out;
}

int StreamTestClient::count(const QString &type) const
{
    return int(std::count_if(messages.cbegin(), messages.cend(), [&type](const QJsonObject &m) {
        return m.value(QStringLiteral("type")).toString() == type;
    }));
}

Bar StreamTestClient::barOf(const QJsonObject &message)
{
    const QJsonArray a = message.value(QStringLiteral("bar")).toArray();
    return {a[0].toInteger(), a[1].toDouble(), a[2].toDouble(), a[3].toDouble(), a[4].toDouble(), a[5].toDouble()};
}

QString ApiFixture::url(const QString &pathAndQuery) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(pathAndQuery);
}

Reply request(QNetworkAccessManager &nam, const QByteArray &verb, const QString &url, Auth auth,
              const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QUrl u(url);
    if (auth == Auth::QueryToken) {
        QUrlQuery q(u);
        q.addQueryItem(QStringLiteral("token"), QString::fromLatin1(kToken));
        u.setQuery(q);
    }
    QNetworkRequest req(u);
    if (auth == Auth::Bearer)
        req.setRawHeader("Authorization", QByteArray("Bearer ") + kToken);
    else if (auth == Auth::Wrong)
        req.setRawHeader("Authorization", "Bearer nope");
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    QNetworkReply *reply = nam.sendCustomRequest(req, verb, body);
    QSignalSpy done(reply, &QNetworkReply::finished);
    done.wait(60000);
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    for (const auto &h : reply->rawHeaderPairs())
        r.headers.insert(h.first.toLower(), h.second);
    reply->deleteLater();
    return r;
}

QByteArray rawRequest(quint16 port, const QByteArray &request, int timeoutMs)
{
    // The server may run on this thread: spin the event loop instead of blocking waits.
    QTcpSocket s;
    QByteArray out;
    QObject::connect(&s, &QTcpSocket::connected, &s, [&] { s.write(request); });
    QObject::connect(&s, &QTcpSocket::readyRead, &s, [&] { out += s.readAll(); });
    s.connectToHost(QHostAddress::LocalHost, port);
    QElapsedTimer t;
    t.start();
    auto complete = [&] {
        const qsizetype headEnd = out.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return false;
        const qsizetype cl = out.toLower().indexOf("content-length:");
        if (cl < 0 || cl > headEnd)
            return false;
        const qsizetype end = out.indexOf("\r\n", cl);
        const int len = out.mid(cl + 15, end - cl - 15).trimmed().toInt();
        return out.size() >= headEnd + 4 + len;
    };
    while (t.elapsed() < timeoutMs && !complete()
           && (s.state() != QAbstractSocket::UnconnectedState || t.elapsed() < 50))
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return out;
}

} // namespace barkeep::test
