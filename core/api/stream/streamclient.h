// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamqueue.h"
#include "streamsender.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <memory>

class QWebSocket;

namespace barkeep {

class ApiMetrics;
class SubscriptionService;
class Error;

// One WebSocket client of /api/v1/stream: parses its ops, holds a subscription's bar messages
// until its snapshot went out, and paces what it sends. A reader that does not keep up gets
// its messages queued (StreamQueue: forming updates coalesce or drop, finals never) and is
// disconnected past the limit. API thread only.
//
// Outgoing frames are built here and written straight to the socket's descriptor when Qt has
// nothing buffered for it (the usual case), else appended to the QTcpSocket's buffer behind
// what is there, so the byte stream keeps QWebSocket's own frames (pong, close) in order.
// Why not QWebSocket::sendTextMessage(): bench_stream (1000 subscribers) spent ~40 % of the
// API thread in that path around the kernel's send() — a UTF-8 → UTF-16 → UTF-8 round trip
// per message, framing into a fresh QByteArray, a copy into the QTcpSocket ring buffer, the
// write notifier switched on and off again, and three bytesWritten signals per client and
// bar. See BENCHMARKS.md ("WebSocket") for the figures before and after.
class StreamClient : public QObject
{
    Q_OBJECT

public:
    // The largest frame and message a client may send (a subscribe is ~200 bytes).
    static constexpr qint64 kMaxIncomingBytes = 64 * 1024;

    // `transport` is the QTcpSocket `socket` was upgraded from (LocalApiServer finds it;
    // QWebSocket does not expose it); null: every frame takes QWebSocket's own path.
    StreamClient(std::unique_ptr<QWebSocket> socket, QTcpSocket *transport, SubscriptionService *service,
                 ApiMetrics *metrics, int softLimit, int hardLimit, QObject *parent = nullptr);
    ~StreamClient() override;

    // Bar messages of `id` are held from now until finishSnapshot().
    void beginSnapshot(const QString &id);
    // Sends the snapshot, then the held bar messages newer than its last bar (`lastT`).
    void finishSnapshot(const QString &id, const QByteArray &snapshot, qint64 lastT);
    void sendBar(const QString &id, const QByteArray &message, qint64 t, bool final);
    // The broadcast's form of sendBar(): the message is `{"type":"bar","id":<id>` + `tail`
    // (BroadcastManager::barTail, encoded once per bar for every client); it is only
    // materialized as a QByteArray when it has to wait (snapshot pending, slow reader).
    // `idJson` is `id` as a JSON string (SubscriptionRegistry::Subscriber::idJson).
    void sendBarTail(const QString &id, const QByteArray &idJson, const QByteArray &tail, qint64 t,
                     bool final);
    // The parallel form of sendBarTail() (BroadcastManager with a StreamSender): fills `job`
    // with the frame when it can go straight to the descriptor now and returns true; else
    // returns false and the caller uses sendBarTail(). After StreamSender::run(), on the API
    // thread and in the jobs' order, finishDirect() hands what the kernel did not take to
    // the general path.
    // A job the kernel took whole needs no finishDirect() (the caller counts it in
    // wsMessagesSent).
    bool prepareDirect(const QString &id, const QByteArray &idJson, const QByteArray &tail,
                       StreamSender::Job &job);
    void finishDirect(const StreamSender::Job &job, const QString &id, const QByteArray &tail,
                      qint64 t, bool final);
    void sendControl(const QJsonObject &message, const QString &id = {});
    void sendError(const QString &id, const Error &error);
    void sendError(const QString &id, const QString &code, const QString &message);
    void forget(const QString &id); // unsubscribed: drop held and queued messages
    // Between beginSnapshot(id) and finishSnapshot(id).
    bool isSnapshotPending(const QString &id) const { return m_held.contains(id); }
    // Ends the connection with close code 1008 and `reason` (e.g. its token was revoked).
    void closeForPolicy(const QString &reason);

    // True when frames go to the descriptor directly (false without a transport).
    bool writesDirectly() const { return m_tcp != nullptr; }
    // Bytes accepted but not yet handed to the kernel.
    qint64 pendingBytes() const;

    static constexpr qint64 kHighWaterBytes = 256 * 1024;

signals:
    void gone(barkeep::StreamClient *client);

private:
    void onText(const QString &text);
    void deliver(const QByteArray &message, const QString &id, bool disposable);
    bool canWriteNow() const;
    void write(const QByteArray &message);
    // Frames `payload` (one unmasked text frame, RFC 6455 §5.2) and sends it.
    void writeFrame(const char *payload, qsizetype size);
    void drain();

    struct Held
    {
        QByteArray message;
        qint64 t;
        bool final;
    };
    std::unique_ptr<QWebSocket> m_socket;
    bool m_directCounted = false; // counted in ApiMetrics::wsDirectClients (m_tcp may die first)
    QPointer<QTcpSocket> m_tcp; // m_socket's transport (owned by ConnectionGuard), null: QWebSocket path
    int m_fd = -1;              // m_tcp's descriptor, read once (a connected socket keeps it)
    SubscriptionService *m_service;
    ApiMetrics *m_metrics;
    StreamQueue m_queue;
    QHash<QString, QList<Held>> m_held;
    qint64 m_inFlight = 0; // QWebSocket path only
    bool m_closing = false;
};

} // namespace barkeep
