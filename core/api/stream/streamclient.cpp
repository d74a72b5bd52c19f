// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamclient.h"

#include "api/apimetrics.h"
#include "broadcastmanager.h"
#include "log/logging.h"
#include "subscriptionservice.h"
#include "util/error.h"

#include <QJsonDocument>
#include <QTcpSocket>
#include <QWebSocket>

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace barkeep {

namespace {

constexpr char kBarHead[] = "{\"type\":\"bar\",\"id\":";

// The header of one final, unmasked text frame of `size` payload bytes (a server never masks,
// RFC 6455 §5.1); returns its length.
int frameHeader(char (&h)[10], quint64 size)
{
    h[0] = char(0x81); // FIN + text
    if (size < 126) {
        h[1] = char(size);
        return 2;
    }
    if (size < 65536) {
        h[1] = char(126);
        h[2] = char(size >> 8);
        h[3] = char(size);
        return 4;
    }
    h[1] = char(127);
    for (int i = 0; i < 8; ++i)
        h[2 + i] = char(size >> (56 - 8 * i));
    return 10;
}

} // namespace

StreamClient::StreamClient(std::unique_ptr<QWebSocket> socket, QTcpSocket *transport,
                           SubscriptionService *service, ApiMetrics *metrics, int softLimit,
                           int hardLimit, QObject *parent)
    : QObject(parent), m_socket(std::move(socket)), m_tcp(transport), m_service(service),
      m_metrics(metrics), m_queue(softLimit, hardLimit)
{
    if (m_metrics) {
        ++m_metrics->wsClients;
        ++m_metrics->wsConnectionsTotal;
        if (m_tcp) {
            ++m_metrics->wsDirectClients;
            m_directCounted = true;
        }
    }
    if (!m_tcp)
        qCDebug(lcStream) << "WebSocket transport unknown: frames go through QWebSocket";
    // A client message is a small JSON command; QWebSocket would otherwise buffer frames and
    // messages of any size the peer announces (up to 2 GiB) before we see them. Over the cap
    // Qt closes the connection with 1009 (message too big).
    m_socket->setMaxAllowedIncomingFrameSize(kMaxIncomingBytes);
    m_socket->setMaxAllowedIncomingMessageSize(kMaxIncomingBytes);
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, &StreamClient::onText);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this, [this] {
        sendError({}, QStringLiteral("bad_input"), QStringLiteral("send JSON text messages"));
    });
    if (m_tcp) {
        m_fd = int(m_tcp->socketDescriptor());
        connect(m_tcp.data(), &QTcpSocket::bytesWritten, this, &StreamClient::drain);
    } else {
        connect(m_socket.get(), &QWebSocket::bytesWritten, this, [this](qint64 n) {
            m_inFlight = std::max<qint64>(0, m_inFlight - n);
            drain();
        });
    }
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] { emit gone(this); });
}

StreamClient::~StreamClient()
{
    if (m_metrics) {
        --m_metrics->wsClients;
        if (m_directCounted)
            --m_metrics->wsDirectClients;
    }
    if (m_tcp)
        m_tcp->disconnect(this);
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

qint64 StreamClient::pendingBytes() const
{
    return m_tcp ? m_tcp->bytesToWrite() : m_inFlight;
}

bool StreamClient::canWriteNow() const
{
    return !m_closing && m_queue.isEmpty() && pendingBytes() < kHighWaterBytes;
}

void StreamClient::writeFrame(const char *payload, qsizetype size)
{
    char head[10];
    const int headSize = frameHeader(head, quint64(size));
    iovec parts[2] = {{head, size_t(headSize)}, {const_cast<char *>(payload), size_t(size)}};
    const qint64 total = headSize + size;
    qint64 sent = 0;
    const qintptr fd = m_tcp->socketDescriptor();
    if (fd < 0 || m_tcp->state() != QAbstractSocket::ConnectedState)
        return; // closing: the disconnected signal follows
    // Straight to the kernel only when Qt holds nothing for this socket, so bytes keep their
    // order; whatever the kernel does not take (a slow reader) goes to Qt's buffer and out on
    // its write notifications (bytesWritten → drain()).
    if (m_tcp->bytesToWrite() == 0) {
        msghdr msg{};
        msg.msg_iov = parts;
        msg.msg_iovlen = 2;
        const ssize_t n = ::sendmsg(int(fd), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            sent = n;
        // An error other than a full buffer: Qt's write below meets it too and reports it
        // (disconnected → gone), as it would have with QWebSocket's own path.
    }
    if (sent < total) {
        QByteArray rest;
        rest.reserve(total - sent);
        if (sent < headSize)
            rest.append(head + sent, headSize - sent);
        const qint64 off = std::max<qint64>(0, sent - headSize);
        rest.append(payload + off, size - off);
        m_tcp->write(rest);
    }
    if (m_metrics)
        ++m_metrics->wsMessagesSent;
}

void StreamClient::write(const QByteArray &message)
{
    if (m_tcp)
        return writeFrame(message.constData(), message.size());
    m_inFlight += message.size();
    m_socket->sendTextMessage(QString::fromUtf8(message));
    // Hand the frame to the kernel now rather than on the socket's next write notification.
    m_socket->flush();
    if (m_metrics)
        ++m_metrics->wsMessagesSent;
}

void StreamClient::drain()
{
    while (!m_closing && pendingBytes() < kHighWaterBytes && !m_queue.isEmpty())
        write(m_queue.pop());
}

void StreamClient::deliver(const QByteArray &message, const QString &id, bool disposable)
{
    if (m_closing)
        return;
    if (canWriteNow())
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
        closeForPolicy(QStringLiteral("too slow: the outgoing queue is full"));
        break;
    }
}

void StreamClient::closeForPolicy(const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated, reason);
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

void StreamClient::sendBarTail(const QString &id, const QByteArray &idJson, const QByteArray &tail,
                               qint64 t, bool final)
{
    // The broadcast's hot path: one sendmsg() of header + head + id + shared tail, no copy.
    if (m_fd >= 0 && m_tcp && canWriteNow() && (m_held.isEmpty() || !m_held.contains(id))
        && m_tcp->bytesToWrite() == 0 && m_tcp->state() == QAbstractSocket::ConnectedState) {
        const qsizetype headLen = qsizetype(sizeof kBarHead) - 1;
        const qsizetype size = headLen + idJson.size() + tail.size();
        char head[10];
        const int headSize = frameHeader(head, quint64(size));
        iovec parts[4] = {{head, size_t(headSize)},
                          {const_cast<char *>(kBarHead), size_t(headLen)},
                          {const_cast<char *>(idJson.constData()), size_t(idJson.size())},
                          {const_cast<char *>(tail.constData()), size_t(tail.size())}};
        msghdr msg{};
        msg.msg_iov = parts;
        msg.msg_iovlen = 4;
        const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == headSize + size) {
            if (m_metrics)
                ++m_metrics->wsMessagesSent;
            return;
        }
        if (n > 0) {
            // Part of the frame is in the kernel: the rest must follow at once, before any
            // other frame (Qt's buffer was empty, so it goes first there).
            QByteArray frame(head, headSize);
            frame.append(kBarHead, headLen).append(idJson).append(tail);
            m_tcp->write(frame.constData() + n, frame.size() - n);
            if (m_metrics)
                ++m_metrics->wsMessagesSent;
            return;
        }
        // Nothing taken (full buffer or an error): the general path below queues or lets Qt
        // report the error.
    }
    sendBar(id, BroadcastManager::barMessage(id, tail), t, final);
}

bool StreamClient::prepareDirect(const QString &id, const QByteArray &idJson, const QByteArray &tail,
                                 StreamSender::Job &job)
{
    // Called for every subscriber of every bar: only cheap checks, no encoding (idJson is
    // the registry's), the descriptor read once at construction. Nothing buffered in Qt
    // (bytesToWrite() == 0) also means under the high-water mark.
    if (m_closing || m_fd < 0 || !m_queue.isEmpty() || (!m_held.isEmpty() && m_held.contains(id)))
        return false;
    const QTcpSocket *tcp = m_tcp.data();
    if (!tcp || tcp->bytesToWrite() != 0 || tcp->state() != QAbstractSocket::ConnectedState)
        return false;
    const qsizetype headLen = qsizetype(sizeof kBarHead) - 1;
    if (10 + headLen + idJson.size() > qsizetype(sizeof job.inlineHead))
        return false; // a long id: the serial path
    const qsizetype size = headLen + idJson.size() + tail.size();
    char head[10];
    const int headSize = frameHeader(head, quint64(size));
    char *p = job.inlineHead;
    std::memcpy(p, head, size_t(headSize));
    p += headSize;
    std::memcpy(p, kBarHead, size_t(headLen));
    p += headLen;
    std::memcpy(p, idJson.constData(), size_t(idJson.size()));
    p += idJson.size();
    job.fd = m_fd;
    job.parts[0] = {job.inlineHead, size_t(p - job.inlineHead)};
    job.parts[1] = {const_cast<char *>(tail.constData()), size_t(tail.size())};
    job.total = headSize + size;
    job.sent = 0;
    return true;
}

void StreamClient::finishDirect(const StreamSender::Job &job, const QString &id,
                                const QByteArray &tail, qint64 t, bool final)
{
    if (job.sent == job.total) {
        if (m_metrics)
            ++m_metrics->wsMessagesSent;
        return;
    }
    if (job.sent > 0 && m_tcp) {
        // Part of the frame is in the kernel: the rest goes first into Qt's (empty) buffer.
        QByteArray frame(static_cast<const char *>(job.parts[0].iov_base), qsizetype(job.parts[0].iov_len));
        frame.append(tail);
        m_tcp->write(frame.constData() + job.sent, frame.size() - job.sent);
        if (m_metrics)
            ++m_metrics->wsMessagesSent;
        return;
    }
    sendBar(id, BroadcastManager::barMessage(id, tail), t, final);
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
