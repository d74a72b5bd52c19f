// SPDX-License-Identifier: GPL-3.0-or-later
#include "redisasyncconnection.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <QSocketNotifier>
#include <QTimer>
#include <QUuid>

#include <algorithm>
#include <csignal>
#include <pthread.h>
#include <vector>

namespace barkeep {

namespace {

RedisAsyncConnection *self(const redisAsyncContext *c)
{
    return static_cast<RedisAsyncConnection *>(c->data);
}

// hiredis writes with write(2): a write to a Redis that just died raises SIGPIPE, which would
// kill the process. Writes happen only in redisAsyncHandleWrite on this connection's thread,
// so SIGPIPE is blocked on that thread for good (Qt's own sockets send with MSG_NOSIGNAL and
// never need it); hiredis then sees EPIPE and reports the connection lost.
void blockSigpipeOnThisThread()
{
    thread_local bool done = false;
    if (done)
        return;
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    done = true;
}

} // namespace

RedisAsyncConnection::RedisAsyncConnection(const RedisEndpoint &endpoint, QObject *parent)
    : QObject(parent), m_endpoint(endpoint)
{}

RedisAsyncConnection::~RedisAsyncConnection()
{
    close();
}

void RedisAsyncConnection::setWatchdog(int intervalMs, int timeoutMs, bool subscriber)
{
    m_pingIntervalMs = std::max(0, intervalMs);
    m_timeoutMs = std::max(0, timeoutMs);
    m_subscriber = subscriber;
    if (m_pingIntervalMs == 0 || m_timeoutMs == 0) {
        delete m_watchdog;
        m_watchdog = nullptr;
        return;
    }
    if (m_pingToken.isEmpty())
        m_pingToken = QByteArrayLiteral("bk:ping:v1:") + QUuid::createUuid().toRfc4122().toHex();
    if (!m_watchdog) {
        m_watchdog = new QTimer(this);
        connect(m_watchdog, &QTimer::timeout, this, &RedisAsyncConnection::watchdogTick);
    }
    // Checked a few times per deadline, so a stall is noticed within about 1.25 × timeoutMs.
    m_watchdog->setInterval(std::max(10, std::min(m_pingIntervalMs, m_timeoutMs / 4)));
    if (!m_clock.isValid())
        m_clock.start();
}

void RedisAsyncConnection::watchdogTick()
{
    if (!m_context) {
        m_watchdog->stop();
        return;
    }
    const qint64 now = m_clock.elapsed();
    if (m_waitingSince >= 0) {
        if (now - m_waitingSince >= m_timeoutMs)
            gone(QStringLiteral("no answer from Redis within %1 ms").arg(m_timeoutMs));
        return;
    }
    if (m_ready && now - m_lastPing >= m_pingIntervalMs)
        sendPing();
}

void RedisAsyncConnection::sendPing()
{
    m_lastPing = m_clock.elapsed();
    if (!m_subscriber) {
        m_waitingSince = m_lastPing;
        // Answered after every command queued before it: a busy but alive Redis passes too.
        command({QByteArrayLiteral("PING")}, [this](const redisReply *r) {
            if (r)
                m_waitingSince = -1;
        });
        return;
    }
    // A reply with no Pub/Sub match would be taken by a pending regular callback, if any.
    if (!(m_context->c.flags & REDIS_SUBSCRIBED) || m_context->replies.head)
        return;
    const char *argv[] = {"PING", m_pingToken.constData()};
    const size_t lens[] = {4, size_t(m_pingToken.size())};
    if (redisAppendCommandArgv(&m_context->c, 2, argv, lens) != REDIS_OK)
        return;
    m_waitingSince = m_lastPing;
    setNotifier(m_write, QSocketNotifier::Write, true); // what hiredis' _EL_ADD_WRITE does
}

void RedisAsyncConnection::setNotifier(QSocketNotifier *&notifier, int type, bool on)
{
    if (on == (notifier != nullptr))
        return;
    if (!on) {
        // May run inside the notifier's own activated(): disable now, delete later.
        notifier->setEnabled(false);
        notifier->deleteLater();
        notifier = nullptr;
        return;
    }
    notifier = new QSocketNotifier(qintptr(m_context->c.fd), QSocketNotifier::Type(type), this);
    redisAsyncContext *context = m_context;
    connect(notifier, &QSocketNotifier::activated, this, [this, context, type] {
        if (m_context != context)
            return;
        if (type == QSocketNotifier::Read)
            redisAsyncHandleRead(context);
        else
            redisAsyncHandleWrite(context);
    });
}

void RedisAsyncConnection::open()
{
    if (m_context)
        return;
    blockSigpipeOnThisThread();
    redisAsyncContext *c = redisAsyncConnect(m_endpoint.host.toUtf8().constData(), m_endpoint.port);
    if (!c || c->err) {
        const QString error = c ? QString::fromLocal8Bit(c->errstr) : QStringLiteral("out of memory");
        if (c)
            redisAsyncFree(c);
        // Reported from the event loop, like every other failure.
        QTimer::singleShot(0, this, [this, error] { emit lost(error); });
        return;
    }
    m_context = c;
    m_ready = false;
    c->data = this;
    c->ev.data = this;
    c->ev.addRead = [](void *d) { if (d) { auto *s = static_cast<RedisAsyncConnection *>(d); s->setNotifier(s->m_read, QSocketNotifier::Read, true); } };
    c->ev.delRead = [](void *d) { if (d) { auto *s = static_cast<RedisAsyncConnection *>(d); s->setNotifier(s->m_read, QSocketNotifier::Read, false); } };
    c->ev.addWrite = [](void *d) { if (d) { auto *s = static_cast<RedisAsyncConnection *>(d); s->setNotifier(s->m_write, QSocketNotifier::Write, true); } };
    c->ev.delWrite = [](void *d) { if (d) { auto *s = static_cast<RedisAsyncConnection *>(d); s->setNotifier(s->m_write, QSocketNotifier::Write, false); } };
    c->ev.cleanup = [](void *d) {
        if (!d)
            return;
        auto *s = static_cast<RedisAsyncConnection *>(d);
        s->setNotifier(s->m_read, QSocketNotifier::Read, false);
        s->setNotifier(s->m_write, QSocketNotifier::Write, false);
    };
    redisAsyncSetConnectCallback(c, &RedisAsyncConnection::onConnect);
    redisAsyncSetDisconnectCallback(c, &RedisAsyncConnection::onDisconnect);

    auto failOnError = [this](const char *what) {
        return [this, what](const redisReply *r) {
            if (r && r->type == REDIS_REPLY_ERROR)
                QTimer::singleShot(0, this, [this, what, e = QString::fromUtf8(r->str, int(r->len))] {
                    gone(QLatin1String(what) + QStringLiteral(" failed: ") + e);
                });
        };
    };
    if (!m_endpoint.password.isEmpty())
        command({QByteArrayLiteral("AUTH"), m_endpoint.password.toUtf8()}, failOnError("AUTH"));
    if (m_endpoint.db != 0)
        command({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.db)}, failOnError("SELECT"));
    command({QByteArrayLiteral("PING")}, [this](const redisReply *r) {
        if (r && r->type != REDIS_REPLY_ERROR && !m_ready) {
            m_ready = true;
            m_waitingSince = -1;
            m_lastPing = m_clock.isValid() ? m_clock.elapsed() : 0;
            if (m_watchdog && m_subscriber)
                send({QByteArrayLiteral("PSUBSCRIBE"), m_pingToken}, &RedisAsyncConnection::onPubSub, nullptr);
            emit ready();
        }
    });
    if (m_watchdog) {
        // The handshake is the first answer the watchdog waits for: a stopped Redis still
        // accepts TCP connections (the kernel's backlog) and would never answer.
        m_waitingSince = m_clock.elapsed();
        m_watchdog->start();
    }
}

void RedisAsyncConnection::close()
{
    if (!m_context)
        return;
    redisAsyncContext *c = m_context;
    m_closing = true;
    // Pending callbacks run with nullptr now; onDisconnect must not report a loss.
    redisAsyncFree(c);
    m_closing = false;
    if (m_context == c) { // onDisconnect did not run (never connected)
        c->ev.data = nullptr;
        m_context = nullptr;
    }
    m_ready = false;
    m_waitingSince = -1;
    if (m_watchdog)
        m_watchdog->stop();
    setNotifier(m_read, QSocketNotifier::Read, false);
    setNotifier(m_write, QSocketNotifier::Write, false);
}

void RedisAsyncConnection::gone(const QString &error)
{
    if (!m_context)
        return;
    if (!m_closing) {
        // Asked from our own code (a failed AUTH): free it outside hiredis' callbacks.
        close();
    }
    emit lost(error);
}

void RedisAsyncConnection::onConnect(const redisAsyncContext *context, int status)
{
    if (status == REDIS_OK)
        return; // ready() follows the PING reply
    RedisAsyncConnection *s = self(context);
    if (!s || s->m_context != context)
        return;
    // hiredis frees the context right after this callback.
    const QString error = QString::fromLocal8Bit(context->errstr);
    const_cast<redisAsyncContext *>(context)->ev.data = nullptr;
    s->m_context = nullptr;
    s->m_ready = false;
    s->setNotifier(s->m_read, QSocketNotifier::Read, false);
    s->setNotifier(s->m_write, QSocketNotifier::Write, false);
    emit s->lost(error);
}

void RedisAsyncConnection::onDisconnect(const redisAsyncContext *context, int status)
{
    RedisAsyncConnection *s = self(context);
    if (!s || s->m_context != context)
        return;
    const QString error = status == REDIS_OK ? QStringLiteral("connection closed")
                                             : QString::fromLocal8Bit(context->errstr);
    // hiredis frees the context right after this callback.
    const_cast<redisAsyncContext *>(context)->ev.data = nullptr;
    s->m_context = nullptr;
    s->m_ready = false;
    s->setNotifier(s->m_read, QSocketNotifier::Read, false);
    s->setNotifier(s->m_write, QSocketNotifier::Write, false);
    if (!s->m_closing)
        emit s->lost(error.isEmpty() ? QStringLiteral("connection lost") : error);
}

void RedisAsyncConnection::onReply(redisAsyncContext *, void *reply, void *privdata)
{
    auto *callback = static_cast<Callback *>(privdata);
    if (*callback)
        (*callback)(static_cast<const redisReply *>(reply));
    delete callback;
}

void RedisAsyncConnection::onPubSub(redisAsyncContext *context, void *reply, void *)
{
    const auto *r = static_cast<const redisReply *>(reply);
    RedisAsyncConnection *s = self(context);
    if (r && s && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING
        && qstrncmp(r->element[0]->str, "pong", 5) == 0) {
        s->m_waitingSince = -1; // the watchdog's PING, answered
        return;
    }
    if (!r || !s || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0];
    if (kind->type != REDIS_REPLY_STRING || qstrncmp(kind->str, "message", 8) != 0
        || r->element[1]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_STRING)
        return;
    emit s->message(QByteArray(r->element[1]->str, qsizetype(r->element[1]->len)),
                    QByteArray(r->element[2]->str, qsizetype(r->element[2]->len)));
}

void RedisAsyncConnection::send(const QList<QByteArray> &args,
                                void (*fn)(redisAsyncContext *, void *, void *), void *privdata)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(size_t(args.size()));
    lens.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    if (redisAsyncCommandArgv(m_context, fn, privdata, int(argv.size()), argv.data(), lens.data()) != REDIS_OK
        && fn == &RedisAsyncConnection::onReply)
        delete static_cast<Callback *>(privdata);
}

void RedisAsyncConnection::command(const QList<QByteArray> &args, Callback callback)
{
    if (!m_context)
        return;
    send(args, &RedisAsyncConnection::onReply, new Callback(std::move(callback)));
}

void RedisAsyncConnection::subscribe(const QByteArray &channel)
{
    if (m_context)
        send({QByteArrayLiteral("SUBSCRIBE"), channel}, &RedisAsyncConnection::onPubSub, nullptr);
}

void RedisAsyncConnection::unsubscribe(const QByteArray &channel)
{
    if (m_context)
        send({QByteArrayLiteral("UNSUBSCRIBE"), channel}, &RedisAsyncConnection::onPubSub, nullptr);
}

void RedisAsyncConnection::flush()
{
    if (m_context && m_ready)
        redisAsyncHandleWrite(m_context);
}

} // namespace barkeep
