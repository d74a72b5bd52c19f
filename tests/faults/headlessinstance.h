// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace barkeep::test {

// A headless `barkeep` process as a user runs it, for the fault and security tests: its own
// XDG config/data dirs under one temp dir (kept across restarts, so a killed instance comes
// back to the same store, token and jobs), the API on a free loopback port read from its log,
// a fixed token, and every byte it wrote to stdout/stderr kept for scanning.
class HeadlessInstance
{
public:
    struct Reply
    {
        int status = 0;
        QByteArray body;
        QJsonObject json;
        QByteArray error; // transport error text, empty when an HTTP answer arrived
    };

    // An empty token starts it without --api-token (it then makes its own token file).
    explicit HeadlessInstance(QStringList sets = {}, QString token = QStringLiteral("fault-token"));
    ~HeadlessInstance();

    // Starts the process and waits for "API listening"; false (with log()) when it exited.
    bool start(int timeoutMs = 30000);
    void kill9();           // SIGKILL, waits for the exit
    bool terminate();       // SIGTERM, true when it exited 0 within 10 s
    bool isRunning() const;
    qint64 pid() const;

    QString home() const { return m_home.path(); }
    QString configDir() const { return m_home.filePath(QStringLiteral("config")); }
    QString dataDir() const { return m_home.filePath(QStringLiteral("data")); }
    QString token() const { return m_token; }
    void setToken(const QString &token) { m_token = token; }
    // Extra environment for the next start() (e.g. QT_LOGGING_RULES).
    void setEnv(const QString &name, const QString &value) { m_env.insert(name, value); }
    // A command the binary is started through (e.g. {"prlimit", "--fsize=1000000", "--"}).
    void setLauncher(const QStringList &launcher) { m_launcher = launcher; }
    void setSets(const QStringList &sets) { m_sets = sets; }
    int port() const { return m_port; }
    QString baseUrl() const;
    // Everything the process (all its runs) wrote to stdout and stderr so far.
    QByteArray log();

    // Blocking requests that spin the event loop (in-process fakes keep serving).
    Reply get(const QString &path, const QByteArray &token, int timeoutMs = 30000,
              const QList<QPair<QByteArray, QByteArray>> &headers = {});
    Reply get(const QString &path) { return get(path, m_token.toUtf8()); }
    Reply send(const QByteArray &method, const QString &path, const QByteArray &body,
               const QByteArray &token, int timeoutMs = 30000,
               const QList<QPair<QByteArray, QByteArray>> &headers = {});
    Reply post(const QString &path, const QJsonObject &body);

    // POST /api/v1/backfills; the job id or -1.
    qint64 startBackfill(const QString &provider, const QString &symbol, qint64 since, qint64 until,
                         const QString &market = QStringLiteral("crypto"));
    // GET /api/v1/backfills/{id}: its JSON ({} when unreachable).
    QJsonObject job(qint64 id);

    static QByteArray methodOf(const QByteArray &m) { return m; }

private:
    void drain();

    QTemporaryDir m_home;
    QStringList m_sets;
    QHash<QString, QString> m_env;
    QStringList m_launcher;
    QString m_token;
    QProcess m_process;
    QByteArray m_log;
    int m_port = 0;
};

// The closed 1m bars a store file holds for a series in [from, to), read through the API of
// a fresh instance is what a user sees; tests compare these with the fake's ground truth.
} // namespace barkeep::test
