// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>

namespace barkeep {

class ApiMetrics;

struct ConnectionLimits
{
    int maxConnectionsPerClient = 64;
    qint64 maxRequestBytes = 65536;
    int idleTimeoutMs = 60000;
};

// The TCP listener under QHttpServer, enforcing what Qt 6.4's QHttpServer cannot: connections
// per client address, request size, and idle or slow connections. QHttpServer::bind() takes
// any QTcpServer, so the limits apply before a byte reaches its parser:
// - over the per-client limit, a new connection gets "429" and is closed;
// - a connection must deliver a whole request within the idle timeout (slowloris) and is
//   closed after that long without one (idle keep-alive); the time the server takes to answer
//   does not count (PendingResponse marks the request); WebSocket connections are exempt
//   (LocalApiServer marks them when the upgrade matches the stream route);
// - more than maxRequestBytes received without an answer in between gets "413" and is closed.
// Lives on the API thread.
class ConnectionGuard : public QTcpServer
{
    Q_OBJECT

public:
    ConnectionGuard(const ConnectionLimits &limits, ApiMetrics *metrics, QObject *parent = nullptr);

    // Marks a socket as an upgraded WebSocket: no idle timeout, no request-size accounting.
    static void markWebSocket(QTcpSocket *socket);
    // A whole request arrived and is being answered: the idle timeout waits until the answer
    // goes out (it restarts then), so a slow answer (a long provider fetch) is not cut off.
    static void markAnswering(QTcpSocket *socket);
    int connectionsFrom(const QHostAddress &address) const { return m_perClient.value(address); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void reject(QTcpSocket *socket, const QByteArray &statusLine, const QByteArray &body);

    ConnectionLimits m_limits;
    ApiMetrics *m_metrics;
    QHash<QHostAddress, int> m_perClient;
};

} // namespace barkeep
