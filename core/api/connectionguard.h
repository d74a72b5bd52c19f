// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QTcpServer>

#include <memory>

class QTcpSocket;

namespace barkeep {

class ApiMetrics;

struct ConnectionLimits
{
    int maxConnectionsPerClient = 64;
    qint64 maxRequestBytes = 65536;
    int idleTimeoutMs = 60000;
    // After a 413, how long the rest of the oversize request is read and thrown away so the
    // client receives the answer instead of a reset (closing a socket with unread data makes
    // the kernel send RST, which discards the client's receive buffer).
    int discardAfterRejectMs = 2000;
    qint64 discardAfterRejectBytes = 64LL << 20;
};

// The TCP listener under QHttpServer, enforcing what Qt 6.4's QHttpServer cannot: connections
// per client, request size, and idle or slow connections. QHttpServer::bind() takes any
// QTcpServer, so the limits apply before a byte reaches its parser.
//
// A "client" is the peer address and, on loopback where every process is 127.0.0.1, the
// local user that owns the peer's socket (read from /proc/net/tcp): two users of one
// machine never share a budget, and one user's processes share theirs (they can signal each
// other anyway, so that is no trust boundary). A client at its limit first loses its
// longest-idle keep-alive connection; only when all of its connections are busy (a request
// in progress or a WebSocket) is the new one refused with 429. So a script that leaks idle
// connections, or reconnects its stream, cannot lock the API.
//
// Each accepted socket carries a ConnectionTicket child that gives its slot back when the
// socket is destroyed or evicted. A child, not a signal connection: QAbstractHttpServer
// calls socket->disconnect() on a WebSocket upgrade, which dropped the old `destroyed`
// connection and leaked one slot per stream connection.
//
// - a connection must deliver a whole request within the idle timeout (slowloris) and is
//   closed after that long without one (idle keep-alive); the time the server takes to answer
//   does not count (PendingResponse marks the request); WebSocket connections are exempt;
// - more than maxRequestBytes received without an answer in between gets "413"; the rest
//   of the request is read and dropped for a short while, then the connection closes.
// Lives on the API thread.
class ConnectionGuard : public QTcpServer
{
    Q_OBJECT

public:
    ConnectionGuard(const ConnectionLimits &limits, ApiMetrics *metrics, QObject *parent = nullptr);
    ~ConnectionGuard() override;

    // Marks a socket as an upgraded WebSocket: no idle timeout, no request-size accounting,
    // never evicted as idle.
    static void markWebSocket(QTcpSocket *socket);
    // A whole request arrived and is being answered: the idle timeout waits until the answer
    // goes out (it restarts then), so a slow answer (a long provider fetch) is not cut off.
    static void markAnswering(QTcpSocket *socket);

    // Connections counted for peers with this address (all users), and in total.
    int connectionsFrom(const QHostAddress &address) const;
    int connectionCount() const;

    // The user id that owns the other end of a loopback TCP connection, from /proc/net/tcp
    // (or tcp6); -1 when unknown or not loopback.
    static int loopbackPeerUid(const QHostAddress &peer, quint16 peerPort,
                               const QHostAddress &local, quint16 localPort);

    struct Registry;

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void watch(QTcpSocket *socket);
    void rejectTooLarge(QTcpSocket *socket);

    ConnectionLimits m_limits;
    ApiMetrics *m_metrics;
    std::shared_ptr<Registry> m_registry;
};

} // namespace barkeep
