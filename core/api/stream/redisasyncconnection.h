// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cache/rediscache.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>

#include <functional>

struct redisAsyncContext;
struct redisReply;
class QSocketNotifier;
class QTimer;

namespace barkeep {

// One non-blocking hiredis connection driven by the Qt event loop of the thread it lives on
// (QSocketNotifiers; hiredis' own adapters/qt.h targets Qt 5's activated(int) signal and needs
// moc on a system header). Used by RedisFanout for its command and its Pub/Sub connections,
// so nothing on the API thread ever waits for Redis.
//
// open() starts connecting (AUTH and SELECT of the RedisEndpoint are queued first); ready()
// follows once Redis answered, lost() when the connection failed or dropped. After lost()
// the connection is closed: open() again (RedisFanout does, with backoff).
//
// hiredis 0.14's async API has no timeout: a Redis that stops answering without closing the
// socket (SIGSTOP, a hung host, a dropped route) would leave the connection "up" forever and
// every callback pending. setWatchdog() bounds that: the connect handshake must be answered
// within `timeoutMs`, and once ready a PING goes out every `intervalMs`; an answer missing for
// `timeoutMs` drops the connection with lost(). On a subscribed connection (`subscriber`)
// hiredis 0.14 matches replies to Pub/Sub callbacks only, and Redis answers PING there with
// ["pong", <argument>] (RESP2): the connection therefore PSUBSCRIBEs a private pattern named
// like its PING argument, so hiredis hands the pong to that pattern's callback; the PING is
// appended to the output buffer directly, since queued through redisAsyncCommand it would
// leave a callback entry behind on the `invalid` list for each ping (never shifted: the pong
// is an array).
class RedisAsyncConnection : public QObject
{
    Q_OBJECT

public:
    // Called with the reply, or with nullptr when the connection went away first.
    using Callback = std::function<void(const redisReply *reply)>;

    explicit RedisAsyncConnection(const RedisEndpoint &endpoint, QObject *parent = nullptr);
    ~RedisAsyncConnection() override;

    void open();
    void close();
    // 0 = no watchdog (the default). Takes effect at the next open().
    void setWatchdog(int intervalMs, int timeoutMs, bool subscriber);
    bool isOpen() const { return m_context != nullptr; }
    bool isReady() const { return m_ready; }

    // Sends a command; `callback` runs once on this thread. Ignored when not open.
    void command(const QList<QByteArray> &args, Callback callback = {});
    // SUBSCRIBE / UNSUBSCRIBE on this connection: its Pub/Sub messages come as message().
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    // Writes what is queued now, without the event loop (a last command before close()).
    void flush();

signals:
    void ready();
    void lost(const QString &error);
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onPubSub(redisAsyncContext *context, void *reply, void *privdata);
    void send(const QList<QByteArray> &args, void (*fn)(redisAsyncContext *, void *, void *), void *privdata);
    void gone(const QString &error);
    void setNotifier(QSocketNotifier *&notifier, int type, bool on);
    void watchdogTick();
    void sendPing();

    const RedisEndpoint m_endpoint;
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_ready = false;
    bool m_closing = false;
    // Watchdog: when the unanswered PING (or the connect handshake) went out; -1 = none.
    QTimer *m_watchdog = nullptr;
    QElapsedTimer m_clock;
    qint64 m_waitingSince = -1;
    qint64 m_lastPing = 0;
    int m_pingIntervalMs = 0;
    int m_timeoutMs = 0;
    bool m_subscriber = false;
    QByteArray m_pingToken; // the subscriber's private pattern and PING argument
};

} // namespace barkeep
