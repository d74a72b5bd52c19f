// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>

// The pieces of a raw-socket HTTP / RFC 6455 client that the stream test and the API and
// stream benchmark drivers share. Raw sockets, not QWebSocket: a bench must not measure its
// own client, and a test's slow reader must be able to stop reading. Header-only (the
// drivers do not link the test support library).
namespace barkeep::test {

// A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY, or -1. `receiveBuffer` > 0
// shrinks SO_RCVBUF first, so a reader that stops reading backs the server up quickly.
inline int connectLoopback(quint16 port, int receiveBuffer = 0)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (receiveBuffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends all of `data` (blocking); false when the connection failed first. MSG_NOSIGNAL: a
// peer that hung up must fail the send, not kill the test with SIGPIPE.
inline bool sendAll(int fd, QByteArrayView data)
{
    qsizetype sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, size_t(data.size() - sent), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += n;
    }
    return true;
}

// The upgrade request for `target` (e.g. "/api/v1/stream?token=…"); `headers` are extra
// header lines, each ending in "\r\n" (e.g. an Authorization header).
inline QByteArray upgradeRequest(quint16 port, const QByteArray &target,
                                 const QByteArray &headers = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
        + headers
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// One masked text frame (clients must mask, RFC 6455 §5.3) in the shortest length form
// (§5.2); payloads up to 64 KiB.
inline QByteArray maskedTextFrame(QByteArrayView payload)
{
    QByteArray f;
    f.reserve(payload.size() + 8);
    f.append(char(0x81));
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char((payload.size() >> 8) & 0xff));
        f.append(char(payload.size() & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

// The header of a server frame (unmasked, RFC 6455 §5.2).
struct FrameHeader
{
    unsigned char first = 0; // FIN, RSV and the opcode
    int opcode = 0;
    quint64 length = 0;      // of the payload
    std::size_t size = 0;    // of the header itself
};

// Reads the frame header at `data`; false while fewer than its bytes are there.
inline bool parseFrameHeader(const char *data, std::size_t have, FrameHeader *out)
{
    if (have < 2)
        return false;
    const auto *h = reinterpret_cast<const unsigned char *>(data);
    out->first = h[0];
    out->opcode = h[0] & 0x0f;
    out->length = h[1] & 0x7f;
    out->size = 2;
    if (out->length == 126) {
        if (have < 4)
            return false;
        out->length = (quint64(h[2]) << 8) | h[3];
        out->size = 4;
    } else if (out->length == 127) {
        if (have < 10)
            return false;
        out->length = 0;
        for (int i = 0; i < 8; ++i)
            out->length = (out->length << 8) | h[2 + i];
        out->size = 10;
    }
    return true;
}

} // namespace barkeep::test
