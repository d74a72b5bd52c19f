// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamfake.h"

#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <cmath>

namespace barkeep::fakes {

StreamFake::StreamFake(Truth truth, QObject *parent)
    : QObject(parent), m_truth(std::move(truth)),
      m_server(new QWebSocketServer(QStringLiteral("barkeep-fake"), QWebSocketServer::NonSecureMode, this))
{
    connect(m_server, &QWebSocketServer::newConnection, this, &StreamFake::accept);
}

StreamFake::~StreamFake()
{
    for (auto it = m_clients.begin(); it != m_clients.end(); ++it)
        it.key()->disconnect(this);
}

quint16 StreamFake::listen(quint16 port)
{
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return 0;
    return m_server->serverPort();
}

QUrl StreamFake::url() const
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->serverPort()));
}

void StreamFake::accept()
{
    while (QWebSocket *s = m_server->nextPendingConnection()) {
        ++m_accepted;
        s->setParent(this);
        if (m_refuse) {
            s->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("refused by the test"));
            s->deleteLater();
            continue;
        }
        Client &c = m_clients[s];
        c.socket = s;
        connect(s, &QWebSocket::textMessageReceived, this, [this, s](const QString &m) {
            const QByteArray bytes = m.toUtf8();
            m_received.append(bytes);
            if (m_clients.contains(s))
                handleText(m_clients[s], bytes);
        });
        connect(s, &QWebSocket::disconnected, this, [this, s] {
            m_clients.remove(s);
            s->deleteLater();
        });
        handleOpen(c, s->requestUrl());
    }
}

int StreamFake::subscribedClients() const
{
    return int(std::count_if(m_clients.cbegin(), m_clients.cend(),
                             [](const Client &c) { return !c.symbols.isEmpty(); }));
}

std::optional<Bar> StreamFake::pushBar(const QString &symbol, qint64 minute, bool final,
                                       double fraction)
{
    std::optional<Bar> b = m_truth(truthSymbol(symbol), minute);
    if (!b)
        return std::nullopt;
    if (!final) {
        // A snapshot of the minute part-way: the close moved `fraction` of the way.
        const double c = b->o + (b->c - b->o) * fraction;
        b->h = std::max({b->o, c, std::min(b->h, std::max(b->o, c))});
        b->l = std::min({b->o, c, std::max(b->l, std::min(b->o, c))});
        b->c = c;
        b->v = b->v * fraction;
        // To 8 decimals, so that every fake's text of it parses back to these very doubles
        // (N / 1e8 is correctly rounded, as a decimal parser is).
        for (double *x : {&b->h, &b->l, &b->c, &b->v})
            *x = std::round(*x * 1e8) / 1e8;
    }
    const QByteArray frame = encodeBar(symbol, *b, final);
    if (!frame.isEmpty())
        forEachSubscriber(symbol, [this, &frame](Client &c) { send(c, frame); });
    return b;
}

void StreamFake::forEachSubscriber(const QString &symbol, const std::function<void(Client &)> &fn)
{
    for (auto it = m_clients.begin(); it != m_clients.end(); ++it)
        if (it->symbols.contains(symbol))
            fn(*it);
}

void StreamFake::dropAll()
{
    const QList<QWebSocket *> sockets = m_clients.keys();
    m_clients.clear();
    for (QWebSocket *s : sockets) {
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
}

void StreamFake::send(Client &client, const QByteArray &frame)
{
    client.socket->sendTextMessage(QString::fromUtf8(frame));
}

void StreamFake::addSubscription(Client &client, const QString &symbol)
{
    client.symbols.insert(symbol);
    emit subscribed(symbol);
}

} // namespace barkeep::fakes
