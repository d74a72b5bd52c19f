// SPDX-License-Identifier: GPL-3.0-or-later
#include "headlessinstance.h"

#include "support/testsupport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTimer>

#include <csignal>

namespace barkeep::test {

HeadlessInstance::HeadlessInstance(QStringList sets, QString token)
    : m_sets(std::move(sets)), m_token(std::move(token))
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

HeadlessInstance::~HeadlessInstance()
{
    if (isRunning())
        kill9();
}

QString HeadlessInstance::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

bool HeadlessInstance::isRunning() const { return m_process.state() != QProcess::NotRunning; }
qint64 HeadlessInstance::pid() const { return m_process.processId(); }

void HeadlessInstance::drain() { m_log += m_process.readAll(); }

QByteArray HeadlessInstance::log()
{
    drain();
    return m_log;
}

bool HeadlessInstance::start(int timeoutMs)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &k : env.keys())
        if (k.startsWith(QLatin1String("BARKEEP_")))
            env.remove(k);
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("HOME"), m_home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), configDir());
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataDir());
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_home.filePath(QStringLiteral("cache")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_home.filePath(QStringLiteral("run")));
    for (auto it = m_env.cbegin(); it != m_env.cend(); ++it)
        env.insert(it.key(), it.value());
    m_process.setProcessEnvironment(env);
    QStringList args{QStringLiteral("--headless"), QStringLiteral("--set"),
                     QStringLiteral("api.listen=127.0.0.1:0")};
    if (!m_token.isEmpty())
        args << QStringLiteral("--api-token") << m_token;
    for (const QString &s : m_sets)
        args << QStringLiteral("--set") << s;
    const qsizetype logStart = m_log.size();
    m_port = 0;
    if (m_launcher.isEmpty())
        m_process.start(barkeepBinary(), args);
    else
        m_process.start(m_launcher.first(), m_launcher.mid(1) + QStringList{barkeepBinary()} + args);
    if (!m_process.waitForStarted(10000))
        return false;
    static const QRegularExpression re(QStringLiteral("API listening on http://127\\.0\\.0\\.1:(\\d+)"));
    QElapsedTimer t;
    t.start();
    while (m_port == 0 && t.elapsed() < timeoutMs && isRunning()) {
        m_process.waitForReadyRead(100);
        drain();
        const auto m = re.match(QString::fromUtf8(m_log.mid(logStart)));
        if (m.hasMatch())
            m_port = m.captured(1).toInt();
    }
    drain();
    return m_port != 0;
}

void HeadlessInstance::kill9()
{
    if (!isRunning())
        return;
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(10000);
    drain();
}

bool HeadlessInstance::terminate()
{
    if (!isRunning())
        return true;
    ::kill(pid_t(m_process.processId()), SIGTERM);
    // Keep this thread's events flowing while waiting: the instance may be in the middle of a
    // request to an in-process fake provider, and its shutdown waits for that answer; a
    // blocking waitForFinished() here would starve the fake and fail the shutdown for nothing.
    const QDeadlineTimer deadline(10000);
    while (m_process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        m_process.waitForFinished(20);
    }
    const bool done = m_process.state() == QProcess::NotRunning;
    drain();
    return done && m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
}

HeadlessInstance::Reply HeadlessInstance::send(const QByteArray &method, const QString &path,
                                               const QByteArray &body, const QByteArray &token,
                                               int timeoutMs,
                                               const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(baseUrl() + path));
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    req.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    Reply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    if (r.status == 0)
        r.error = reply->errorString().toUtf8();
    delete reply;
    drain();
    return r;
}

HeadlessInstance::Reply HeadlessInstance::get(const QString &path, const QByteArray &token, int timeoutMs,
                                              const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return send("GET", path, {}, token, timeoutMs, headers);
}

HeadlessInstance::Reply HeadlessInstance::post(const QString &path, const QJsonObject &body)
{
    return send("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), m_token.toUtf8());
}

qint64 HeadlessInstance::startBackfill(const QString &provider, const QString &symbol, qint64 since,
                                       qint64 until, const QString &market)
{
    const Reply r = post(QStringLiteral("/api/v1/backfills"),
                         {{QStringLiteral("market"), market},
                          {QStringLiteral("provider"), provider},
                          {QStringLiteral("symbol"), symbol},
                          {QStringLiteral("since"), since},
                          {QStringLiteral("until"), until}});
    if (r.status != 202 && r.status != 200)
        return -1;
    return r.json.value(QStringLiteral("id")).toInteger(-1);
}

QJsonObject HeadlessInstance::job(qint64 id)
{
    return get(QStringLiteral("/api/v1/backfills/%1").arg(id)).json;
}

} // namespace barkeep::test
