// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamclient.h"

#include "api/apimetrics.h"
#include "api/pendingresponse.h"
#include "subscriptionservice.h"
#include "util/error.h"

#include <QJsonDocument>
#include <QWebSocket>

namespace barkeep {

StreamClient::StreamClient(std::unique_ptr<QWebSocket> socket, SubscriptionService *service,
                           ApiMetrics *metrics, int softLimit, int hardLimit, QObject *parent)
    : QObject(parent), m_socket(std::move(socket)), m_service(service), m_metrics(metrics),
      m_queue(softLimit, hardLimit)
{
    if (m_metrics) {
        ++m_metrics->wsClients;
        ++m_metrics->wsConnectionsTotal;
    }
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &StreamClient::onText);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this, [this] {
        sendError({}, QStringLiteral("bad_input"), QStringLiteral("send JSON text messages"));
    });
    connect(m_socket.get(), &QWebSocket::bytesWritten, this, [this](qint64 n) {
        m_inFlight = std::max<qint64>(0, m_inFlight - n);
        drain();
    });
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] { emit gone(this); });
}

StreamClient::~StreamClient()
{
    if (m_metrics)
        --m_metrics->wsClients;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void StreamClient::onText(const QString &text)
{
    if (m_metrics)
        ++m_metrics->wsMessagesReceived;
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &perr);
    if (!doc.isObject())
        return sendError({}, QStringLiteral("bad_input"),
                         QStringLiteral("messages are JSON objects like {\"op\":\"subscribe\",...}"));
    m_service->handleMessage(this, doc.object());
}

void StreamClient::write(const QByteArray &message)
{
    m_inFlight += message.size();
    m_socket->sendTextMessage(QString::fromUtf8(message));
    // Hand the frame to the kernel now rather than on the socket's next write notification:
    // a broadcast to N clients then costs one send() each inside its loop instead of N more
    // event-loop activations afterwards, and the first clients receive while the loop still
    // runs (bench_stream: bar -> last of 1000 subscribers). Whatever the kernel does not take
    // stays buffered and goes out on the write notification as before.
    m_socket->flush();
    if (m_metrics)
        ++m_metrics->wsMessagesSent;
}

void StreamClient::drain()
{
    while (!m_closing && m_inFlight < kHighWaterBytes && !m_queue.isEmpty())
        write(m_queue.pop());
}

void StreamClient::deliver(const QByteArray &message, const QString &id, bool disposable)
{
    if (m_closing)
        return;
    if (m_inFlight < kHighWaterBytes && m_queue.isEmpty())
        return write(message);
    switch (m_queue.push(message, id, disposable)) {
    case StreamQueue::Push::Queued:
        break;
    case StreamQueue::Push::Replaced:
    case StreamQueue::Push::Dropped:
        if (m_metrics)
            ++m_metrics->wsMessagesDropped;
        break;
    case StreamQueue::Push::Overflow:
        if (m_metrics)
            ++m_metrics->wsSlowDisconnects;
        m_closing = true;
        m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                        QStringLiteral("too slow: the outgoing queue is full"));
        break;
    }
}

void StreamClient::beginSnapshot(const QString &id)
{
    m_held.insert(id, {});
}

void StreamClient::finishSnapshot(const QString &id, const QByteArray &snapshot, qint64 lastT)
{
    const QList<Held> held = m_held.take(id);
    deliver(snapshot, id, false);
    for (const Held &h : held)
        if (h.t > lastT) // older ones are in the snapshot
            deliver(h.message, id, !h.final);
}

void StreamClient::sendBar(const QString &id, const QByteArray &message, qint64 t, bool final)
{
    auto held = m_held.find(id);
    if (held != m_held.end()) {
        held->append({message, t, final});
        return;
    }
    deliver(message, id, !final);
}

void StreamClient::sendControl(const QJsonObject &message, const QString &id)
{
    deliver(QJsonDocument(message).toJson(QJsonDocument::Compact), id, false);
}

void StreamClient::sendError(const QString &id, const QString &code, const QString &message)
{
    QJsonObject o{{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                        {QStringLiteral("message"), message}}}};
    o.insert(QStringLiteral("id"), id.isEmpty() ? QJsonValue() : QJsonValue(id));
    sendControl(o, id);
}

void StreamClient::sendError(const QString &id, const Error &error)
{
    sendError(id, error.code(), error.message());
}

void StreamClient::forget(const QString &id)
{
    m_held.remove(id);
    m_queue.removeSubscription(id);
}

} // namespace barkeep
