// SPDX-License-Identifier: GPL-3.0-or-later
#include "barstream.h"

#include "log/logging.h"

#include <QTimer>
#include <QWebSocket>

namespace barkeep {

BarStream::BarStream(QObject *parent) : QObject(parent) {}
BarStream::~BarStream() = default;

struct WebSocketBarStream::Private
{
    QUrl url;
    QWebSocket *socket = nullptr;
    QTimer ping;
    QTimer watchdog;
    bool open = false;      // the socket is up
    bool connected = false; // the provider acknowledged
    bool finished = true;   // disconnected() was emitted (or nothing is open)
};

WebSocketBarStream::WebSocketBarStream(const QUrl &url, QObject *parent)
    : BarStream(parent), d(std::make_unique<Private>())
{
    d->url = url;
    d->ping.setInterval(20'000);
    d->watchdog.setInterval(60'000);
    d->watchdog.setSingleShot(true);
    connect(&d->ping, &QTimer::timeout, this, [this] {
        if (d->socket)
            d->socket->ping();
    });
    connect(&d->watchdog, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no frame or pong for %1 s").arg(d->watchdog.interval() / 1000));
    });
}

WebSocketBarStream::~WebSocketBarStream()
{
    close();
}

QUrl WebSocketBarStream::url() const
{
    return d->url;
}

void WebSocketBarStream::setPingInterval(int ms)
{
    d->ping.setInterval(ms);
}

void WebSocketBarStream::setIdleTimeout(int ms)
{
    d->watchdog.setInterval(ms);
}

bool WebSocketBarStream::isConnected() const
{
    return d->connected;
}

void WebSocketBarStream::open()
{
    close();
    d->finished = false;
    d->socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    QWebSocket *s = d->socket;
    connect(s, &QWebSocket::connected, this, [this] {
        d->open = true;
        d->ping.start();
        d->watchdog.start();
        handleOpened();
    });
    connect(s, &QWebSocket::textMessageReceived, this, [this](const QString &m) {
        d->watchdog.start();
        handleMessage(m.toUtf8());
    });
    connect(s, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &m) {
        d->watchdog.start();
        handleMessage(m);
    });
    connect(s, &QWebSocket::pong, this, [this] { d->watchdog.start(); });
    connect(s, &QWebSocket::disconnected, this, [this, s] {
        if (s != d->socket)
            return;
        QString reason = s->closeReason();
        if (reason.isEmpty())
            reason = s->errorString();
        if (reason.isEmpty() || reason == QLatin1String("Unknown error"))
            reason = QStringLiteral("connection closed (code %1)").arg(int(s->closeCode()));
        finish(reason);
    });
    connect(s, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this, s](QAbstractSocket::SocketError) {
        if (s != d->socket)
            return;
        // Some errors (connection refused) come without a disconnected() signal.
        if (s->state() == QAbstractSocket::UnconnectedState)
            finish(s->errorString());
    });
    qCDebug(lcStream).noquote() << "stream: connecting to" << d->url.toDisplayString(QUrl::RemoveQuery);
    s->open(d->url);
}

void WebSocketBarStream::close()
{
    d->ping.stop();
    d->watchdog.stop();
    d->open = false;
    d->connected = false;
    d->finished = true;
    if (QWebSocket *s = std::exchange(d->socket, nullptr)) {
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
}

void WebSocketBarStream::sendText(const QByteArray &json)
{
    if (d->socket && d->open)
        d->socket->sendTextMessage(QString::fromUtf8(json));
}

void WebSocketBarStream::markConnected()
{
    if (d->connected || !d->open)
        return;
    d->connected = true;
    emit connected();
}

void WebSocketBarStream::fail(const QString &reason)
{
    finish(reason);
}

void WebSocketBarStream::finish(const QString &reason)
{
    if (d->finished)
        return;
    close();
    handleClosed();
    qCInfo(lcStream).noquote() << "stream" << d->url.toDisplayString(QUrl::RemoveQuery)
                               << "disconnected:" << reason;
    emit disconnected(reason);
}

} // namespace barkeep
