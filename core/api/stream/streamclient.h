// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamqueue.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>

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
class StreamClient : public QObject
{
    Q_OBJECT

public:
    StreamClient(std::unique_ptr<QWebSocket> socket, SubscriptionService *service,
                 ApiMetrics *metrics, int softLimit, int hardLimit, QObject *parent = nullptr);
    ~StreamClient() override;

    // Bar messages of `id` are held from now until finishSnapshot().
    void beginSnapshot(const QString &id);
    // Sends the snapshot, then the held bar messages newer than its last bar (`lastT`).
    void finishSnapshot(const QString &id, const QByteArray &snapshot, qint64 lastT);
    void sendBar(const QString &id, const QByteArray &message, qint64 t, bool final);
    void sendControl(const QJsonObject &message, const QString &id = {});
    void sendError(const QString &id, const Error &error);
    void sendError(const QString &id, const QString &code, const QString &message);
    void forget(const QString &id); // unsubscribed: drop held and queued messages

    static constexpr qint64 kHighWaterBytes = 256 * 1024;

signals:
    void gone(barkeep::StreamClient *client);

private:
    void onText(const QString &text);
    void deliver(const QByteArray &message, const QString &id, bool disposable);
    void write(const QByteArray &message);
    void drain();

    struct Held
    {
        QByteArray message;
        qint64 t;
        bool final;
    };
    std::unique_ptr<QWebSocket> m_socket;
    SubscriptionService *m_service;
    ApiMetrics *m_metrics;
    StreamQueue m_queue;
    QHash<QString, QList<Held>> m_held;
    qint64 m_inFlight = 0;
    bool m_closing = false;
};

} // namespace barkeep
