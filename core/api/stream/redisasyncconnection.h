// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cache/rediscache.h"

#include <QByteArray>
#include <QList>
#include <QObject>

#include <functional>

struct redisAsyncContext;
struct redisReply;
class QSocketNotifier;

namespace barkeep {

// One non-blocking hiredis connection driven by the Qt event loop of the thread it lives on
// (QSocketNotifiers; hiredis' own adapters/qt.h targets Qt 5's activated(int) signal and needs
// moc on a system header). Used by RedisFanout for its command and its Pub/Sub connections,
// so nothing on the API thread ever waits for Redis.
//
// open() starts connecting (AUTH and SELECT of the RedisEndpoint are queued first); ready()
// follows once Redis answered, lost() when the connection failed or dropped. After lost()
// the connection is closed: open() again (RedisFanout does, with backoff).
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

    const RedisEndpoint m_endpoint;
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_ready = false;
    bool m_closing = false;
};

} // namespace barkeep
