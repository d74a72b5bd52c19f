// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionguard.h"

#include "apimetrics.h"
#include "log/logging.h"
#include "pendingresponse.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace barkeep {

namespace {
const char *kWebSocketProperty = "barkeepWebSocket";
const QString kIdleTimerName = QStringLiteral("barkeepIdle");
}

ConnectionGuard::ConnectionGuard(const ConnectionLimits &limits, ApiMetrics *metrics,
                                 QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_metrics(metrics)
{}

void ConnectionGuard::markWebSocket(QTcpSocket *socket)
{
    if (!socket)
        return;
    socket->setProperty(kWebSocketProperty, true);
    markAnswering(socket); // no idle timeout from here on: the same stop of its timer
}

void ConnectionGuard::markAnswering(QTcpSocket *socket)
{
    if (!socket)
        return;
    if (auto *timer = socket->findChild<QTimer *>(kIdleTimerName))
        timer->stop();
}

void ConnectionGuard::reject(QTcpSocket *socket, const QByteArray &statusLine,
                             const QByteArray &body)
{
    QByteArray out = "HTTP/1.1 " + statusLine + "\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    socket->write(out);
    socket->disconnectFromHost();
}

void ConnectionGuard::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Answers go out as several writes (status, headers, body); with Nagle on, the last
    // segment waits for the client's delayed ACK (40 ms a request on Linux).
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QHostAddress peer = socket->peerAddress();
    if (m_perClient.value(peer) >= m_limits.maxConnectionsPerClient) {
        if (m_metrics)
            ++m_metrics->connectionsRejected;
        qCWarning(lcApi).noquote() << "refusing a connection from" << peer.toString()
                                   << "over api.maxConnectionsPerClient" << m_limits.maxConnectionsPerClient;
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        reject(socket, "429 Too Many Requests",
               PendingResponse::errorBody(QStringLiteral("too_many_connections"),
                                          QStringLiteral("more than %1 connections from this client "
                                                         "(api.maxConnectionsPerClient)")
                                              .arg(m_limits.maxConnectionsPerClient)));
        QTimer::singleShot(1000, socket, &QObject::deleteLater);
        return;
    }
    ++m_perClient[peer];
    connect(socket, &QObject::destroyed, this, [this, peer] {
        if (--m_perClient[peer] <= 0)
            m_perClient.remove(peer);
    });

    // One timer per connection: restarted whenever an answer goes out, so it measures both
    // "idle since the last answer" and "how long the current request takes to arrive".
    auto *idle = new QTimer(socket);
    idle->setObjectName(kIdleTimerName);
    idle->setSingleShot(true);
    idle->setInterval(m_limits.idleTimeoutMs);
    QPointer<QTcpSocket> guarded(socket);
    connect(idle, &QTimer::timeout, this, [this, guarded] {
        if (!guarded || guarded->property(kWebSocketProperty).toBool())
            return;
        if (m_metrics)
            ++m_metrics->connectionsTimedOut;
        guarded->abort();
    });
    idle->start();

    // Bytes received since the last answer. Connected before QHttpServer's own readyRead
    // slot (it connects when the connection is handed over below), so it sees data first.
    // Qt 6.4's parser reads everything available each time, so bytesAvailable() here is what
    // arrived since the previous signal.
    auto received = std::make_shared<qint64>(0);
    connect(socket, &QTcpSocket::readyRead, this, [this, guarded, received] {
        if (!guarded || guarded->property(kWebSocketProperty).toBool())
            return;
        *received += guarded->bytesAvailable();
        if (*received > m_limits.maxRequestBytes) {
            if (m_metrics)
                ++m_metrics->requestsTooLarge;
            guarded->readAll(); // do not let the HTTP parser see the oversize request
            reject(guarded, "413 Payload Too Large",
                   PendingResponse::errorBody(QStringLiteral("payload_too_large"),
                                              QStringLiteral("request larger than %1 bytes "
                                                             "(api.maxRequestBytes)")
                                                  .arg(m_limits.maxRequestBytes)));
            guarded->setProperty(kWebSocketProperty, true); // stop all accounting
        }
    });
    connect(socket, &QTcpSocket::bytesWritten, this, [guarded, received, idle] {
        *received = 0;
        if (guarded && !guarded->property(kWebSocketProperty).toBool())
            idle->start();
    });
    addPendingConnection(socket);
}

} // namespace barkeep
