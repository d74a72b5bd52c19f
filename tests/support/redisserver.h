// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A redis-server process a test owns (BK_TEST_REDIS_SERVER, exported by tools/with-servers.sh)
// so it can kill, stop and restart it: no persistence, loopback, a free port chosen once and
// kept across restarts (instances keep their cache.url). Header-only: the suites using it
// (tst_apifanout, tst_apifanoutstall, tst_faultredis) link Qt Network already; the support
// library does not.

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QProcess>
#include <QString>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace barkeep::test {

class RedisServer
{
public:
    RedisServer()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
    }
    ~RedisServer() { kill(); }

    // redis-server's path, empty when the suite must skip (see BK_REQUIRE_SERVER).
    static QString binary() { return qEnvironmentVariable("BK_TEST_REDIS_SERVER"); }

    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_port); }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    // Starts it (empty) and waits until it answers PING.
    bool start()
    {
        m_process.start(binary(), {QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                                   QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                                   QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                                   m_dir.path()});
        if (!m_process.waitForStarted())
            return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            if (command("PING") == "+PONG")
                return true;
            QTest::qWait(50);
        }
        return false;
    }

    // SIGKILL (a crash: nothing saved), waiting for the exit.
    void kill()
    {
        if (!isRunning())
            return;
        ::kill(pid_t(m_process.processId()), SIGCONT); // a stopped process dies only once resumed
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(5000);
    }
    // SIGSTOP / SIGCONT: Redis stops answering but keeps its connections (and the kernel keeps
    // accepting new ones into the backlog), the stall hiredis cannot see by itself.
    void pause() { ::kill(pid_t(m_process.processId()), SIGSTOP); }
    void resume() { ::kill(pid_t(m_process.processId()), SIGCONT); }

    // One inline command on a new connection: a bulk string's value (empty for nil), or the
    // status/integer/error line as sent (`+PONG`, `:3`). Empty when nothing answered in 2 s.
    QByteArray command(const QByteArray &inlineCommand) const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (!s.waitForConnected(1000))
            return {};
        s.write(inlineCommand + "\r\n");
        while (!s.canReadLine())
            if (!s.waitForReadyRead(2000))
                return {};
        const QByteArray line = s.readLine().trimmed();
        if (line == "$-1")
            return {};
        if (line.startsWith('$')) {
            while (!s.canReadLine())
                if (!s.waitForReadyRead(2000))
                    return {};
            return s.readLine().trimmed();
        }
        return line;
    }
    qint64 dbSize() const { return command("DBSIZE").mid(1).toLongLong(); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace barkeep::test
