// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionguard.h"

#include "apimetrics.h"
#include "log/logging.h"
#include "pendingresponse.h"

#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QtEndian>

#include <sys/socket.h>

#include <cstring>

namespace barkeep {

namespace {
const QString kTicketName = QStringLiteral("barkeepConnectionTicket");

QString clientKey(const QHostAddress &address, int uid)
{
    return uid >= 0 ? address.toString() + u'#' + QString::number(uid) : address.toString();
}

// How /proc/net/tcp{,6} prints an endpoint: each 32-bit word of the address in network
// byte order read as a host-order integer, then the port in host order, all hex.
QByteArray procEndpoint(const QHostAddress &address, quint16 port)
{
    QByteArray out;
    auto word = [&out](const quint8 *bytes) {
        quint32 w;
        std::memcpy(&w, bytes, 4);
        out += QByteArray::number(w, 16).rightJustified(8, '0').toUpper();
    };
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 net = qToBigEndian(address.toIPv4Address());
        word(reinterpret_cast<const quint8 *>(&net));
    } else {
        const Q_IPV6ADDR a = address.toIPv6Address();
        for (int i = 0; i < 16; i += 4)
            word(a.c + i);
    }
    return out + ':' + QByteArray::number(port, 16).rightJustified(4, '0').toUpper();
}
} // namespace

class ConnectionTicket;

// The slots of each client, shared with the tickets so a ticket that outlives its guard
// (the guard's children are deleted after its members) still has somewhere to return to.
struct ConnectionGuard::Registry
{
    QHash<QString, QList<ConnectionTicket *>> byClient;
    int total = 0;
    ApiMetrics *metrics = nullptr; // outlives the guard and its sockets (LocalApiServer)
};

// One accepted connection's slot and accounting; a child of its socket (see the header on
// why a child). API thread.
class ConnectionTicket : public QObject
{
public:
    enum class State { Reading, Answering, WebSocket, Discarding };

    ConnectionTicket(QTcpSocket *socket, std::shared_ptr<ConnectionGuard::Registry> registry,
                     QString key)
        : QObject(socket), m_registry(std::move(registry)), m_key(std::move(key))
    {
        setObjectName(kTicketName);
        m_registry->byClient[m_key].append(this);
        ++m_registry->total;
        if (m_registry->metrics)
            ++m_registry->metrics->connectionsOpen;
        m_lastAnswer.start();
    }
    ~ConnectionTicket() override { release(); }

    static ConnectionTicket *of(QTcpSocket *socket)
    {
        return socket ? static_cast<ConnectionTicket *>(
                            socket->findChild<QObject *>(kTicketName, Qt::FindDirectChildrenOnly))
                      : nullptr;
    }

    // Gives the slot back (once): on destruction, or at once when evicted, so the new
    // connection that evicted it can take its place before the socket is gone.
    void release()
    {
        if (!m_counted)
            return;
        m_counted = false;
        auto it = m_registry->byClient.find(m_key);
        if (it != m_registry->byClient.end()) {
            it->removeOne(this);
            if (it->isEmpty())
                m_registry->byClient.erase(it);
        }
        --m_registry->total;
        if (m_registry->metrics)
            --m_registry->metrics->connectionsOpen;
    }

    QTcpSocket *socket() const { return static_cast<QTcpSocket *>(parent()); }
    bool isIdle() const { return m_state == State::Reading && m_received == 0; }
    qint64 idleMs() const { return m_lastAnswer.elapsed(); }

    State m_state = State::Reading;
    qint64 m_received = 0; // bytes since the last answer
    QTimer *m_idle = nullptr;
    QElapsedTimer m_lastAnswer;

private:
    std::shared_ptr<ConnectionGuard::Registry> m_registry;
    QString m_key;
    bool m_counted = true;
};

ConnectionGuard::ConnectionGuard(const ConnectionLimits &limits, ApiMetrics *metrics,
                                 QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_metrics(metrics),
      m_registry(std::make_shared<Registry>())
{
    m_registry->metrics = metrics;
}

ConnectionGuard::~ConnectionGuard() = default;

void ConnectionGuard::markWebSocket(QTcpSocket *socket)
{
    if (ConnectionTicket *t = ConnectionTicket::of(socket)) {
        t->m_state = ConnectionTicket::State::WebSocket;
        t->m_idle->stop();
    }
}

void ConnectionGuard::markAnswering(QTcpSocket *socket)
{
    ConnectionTicket *t = ConnectionTicket::of(socket);
    if (!t || t->m_state != ConnectionTicket::State::Reading)
        return;
    t->m_state = ConnectionTicket::State::Answering;
    t->m_idle->stop();
}

int ConnectionGuard::connectionsFrom(const QHostAddress &address) const
{
    Q_ASSERT(QThread::currentThread() == thread());
    int n = 0;
    const QString plain = address.toString();
    for (auto it = m_registry->byClient.cbegin(); it != m_registry->byClient.cend(); ++it)
        if (it.key() == plain || it.key().startsWith(plain + u'#'))
            n += int(it->size());
    return n;
}

int ConnectionGuard::connectionCount() const
{
    Q_ASSERT(QThread::currentThread() == thread());
    return m_registry->total;
}

int ConnectionGuard::loopbackPeerUid(const QHostAddress &peer, quint16 peerPort,
                                     const QHostAddress &local, quint16 localPort)
{
    if (!peer.isLoopback())
        return -1;
    const bool v4 = peer.protocol() == QAbstractSocket::IPv4Protocol;
    QFile table(v4 ? QStringLiteral("/proc/net/tcp") : QStringLiteral("/proc/net/tcp6"));
    if (!table.open(QIODevice::ReadOnly))
        return -1;
    // The peer's own socket is the row whose local end is the peer and remote end is us.
    const QByteArray peerEnd = ' ' + procEndpoint(peer, peerPort) + ' ' + procEndpoint(local, localPort) + ' ';
    const QByteArray all = table.readAll();
    const qsizetype at = all.indexOf(peerEnd);
    if (at < 0)
        return -1;
    const qsizetype end = all.indexOf('\n', at);
    const QList<QByteArray> fields = all.mid(at, end < 0 ? -1 : end - at).simplified().split(' ');
    // local rem st tx:rx tr:when retrnsmt uid ...
    if (fields.size() < 7)
        return -1;
    bool ok = false;
    const int uid = fields.at(6).toInt(&ok);
    return ok ? uid : -1;
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
    const QString key = clientKey(peer, loopbackPeerUid(peer, socket->peerPort(),
                                                        socket->localAddress(), socket->localPort()));

    // At the limit, the longest-idle keep-alive connection of this client makes room. No
    // reference into byClient is held: release() erases the client's entry when it empties.
    const QList<ConnectionTicket *> mine = m_registry->byClient.value(key);
    if (mine.size() >= m_limits.maxConnectionsPerClient) {
        ConnectionTicket *oldest = nullptr;
        for (ConnectionTicket *t : mine)
            if (t->isIdle() && (!oldest || t->idleMs() > oldest->idleMs()))
                oldest = t;
        if (oldest) {
            if (m_metrics)
                ++m_metrics->connectionsEvicted;
            oldest->release();
            oldest->socket()->abort();
        }
    }
    if (m_registry->byClient.value(key).size() >= m_limits.maxConnectionsPerClient) {
        if (m_metrics)
            ++m_metrics->connectionsRejected;
        qCWarning(lcApi).noquote() << "refusing a connection from" << key
                                   << "over api.maxConnectionsPerClient" << m_limits.maxConnectionsPerClient
                                   << "(all of its connections are busy)";
        const QByteArray body = PendingResponse::errorBody(
            QStringLiteral("too_many_connections"),
            QStringLiteral("more than %1 busy connections from this client "
                           "(api.maxConnectionsPerClient)")
                .arg(m_limits.maxConnectionsPerClient));
        socket->write("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: " + QByteArray::number(body.size())
                      + "\r\n\r\n" + body);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
        QTimer::singleShot(1000, socket, &QObject::deleteLater);
        return;
    }
    new ConnectionTicket(socket, m_registry, key);
    watch(socket);
    addPendingConnection(socket);
}

void ConnectionGuard::watch(QTcpSocket *socket)
{
    ConnectionTicket *ticket = ConnectionTicket::of(socket);
    // One timer per connection: restarted whenever an answer goes out, so it measures both
    // "idle since the last answer" and "how long the current request takes to arrive".
    ticket->m_idle = new QTimer(ticket);
    ticket->m_idle->setSingleShot(true);
    ticket->m_idle->setInterval(m_limits.idleTimeoutMs);
    connect(ticket->m_idle, &QTimer::timeout, this, [this, ticket] {
        if (ticket->m_state == ConnectionTicket::State::WebSocket)
            return;
        if (m_metrics)
            ++m_metrics->connectionsTimedOut;
        ticket->socket()->abort();
    });
    ticket->m_idle->start();

    // Bytes received since the last answer. Connected before QHttpServer's own readyRead
    // slot (it connects when the connection is handed over below), so it sees data first.
    // Qt 6.4's parser reads everything available each time, so bytesAvailable() here is what
    // arrived since the previous signal.
    connect(socket, &QTcpSocket::readyRead, ticket, [this, ticket] {
        if (ticket->m_state != ConnectionTicket::State::Reading
            && ticket->m_state != ConnectionTicket::State::Answering)
            return;
        ticket->m_received += ticket->socket()->bytesAvailable();
        if (ticket->m_received > m_limits.maxRequestBytes)
            rejectTooLarge(ticket->socket());
    });
    connect(socket, &QTcpSocket::bytesWritten, ticket, [ticket] {
        if (ticket->m_state != ConnectionTicket::State::Reading
            && ticket->m_state != ConnectionTicket::State::Answering)
            return;
        ticket->m_received = 0;
        ticket->m_state = ConnectionTicket::State::Reading;
        ticket->m_lastAnswer.restart();
        ticket->m_idle->start();
    });
}

void ConnectionGuard::rejectTooLarge(QTcpSocket *socket)
{
    ConnectionTicket *ticket = ConnectionTicket::of(socket);
    ticket->m_state = ConnectionTicket::State::Discarding;
    ticket->m_idle->stop();
    if (m_metrics)
        ++m_metrics->requestsTooLarge;
    // QHttpServer must never see the rest: its readyRead slot goes, and so does its read
    // transaction (otherwise readAll() would keep the bytes buffered for a rollback).
    disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
    if (socket->isTransactionStarted())
        socket->commitTransaction();
    socket->readAll();

    const QByteArray body = PendingResponse::errorBody(
        QStringLiteral("payload_too_large"),
        QStringLiteral("request larger than %1 bytes (api.maxRequestBytes)").arg(m_limits.maxRequestBytes));
    socket->write("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                  "Connection: close\r\nContent-Length: " + QByteArray::number(body.size())
                  + "\r\n\r\n" + body);
    // Once the answer is out, half-close: the client reads the answer and EOF while we keep
    // reading (and dropping) what it still sends, up to a time and byte budget.
    auto discarded = std::make_shared<qint64>(0);
    const qint64 budget = m_limits.discardAfterRejectBytes;
    QPointer<QTcpSocket> guarded(socket);
    connect(socket, &QTcpSocket::bytesWritten, ticket, [guarded] {
        if (guarded && guarded->bytesToWrite() == 0)
            ::shutdown(int(guarded->socketDescriptor()), SHUT_WR);
    });
    connect(socket, &QTcpSocket::readyRead, ticket, [guarded, discarded, budget] {
        if (!guarded)
            return;
        *discarded += guarded->readAll().size();
        if (*discarded > budget)
            guarded->abort();
    });
    QTimer::singleShot(m_limits.discardAfterRejectMs, ticket, [guarded] {
        if (guarded)
            guarded->abort();
    });
}

} // namespace barkeep
