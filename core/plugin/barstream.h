// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

namespace barkeep {

// One bar as a provider stream delivered it: `final` once the provider says the bucket closed
// (Binance kline x, an Alpaca `b`/`u` bar, a later Kraken candle).
struct StreamBar
{
    QString symbol; // as the provider spells it
    Bar bar;
    bool final = false;
    friend bool operator==(const StreamBar &, const StreamBar &) = default;
};

// A provider's live bar stream for one (symbol, timeframe), made by MarketPlugin::openStream().
// Unlike the rest of the plugin API it is asynchronous: it lives on the thread that created
// it, which must run an event loop, and reports through signals. open() (re)connects;
// connected() comes once the provider acknowledged the subscription, disconnected() once per
// lost or refused connection with a reason. It never reconnects by itself: the owner decides
// when (backoff) and heals the missed window over REST.
class BARKEEPCORE_EXPORT BarStream : public QObject
{
    Q_OBJECT

public:
    explicit BarStream(QObject *parent = nullptr);
    ~BarStream() override;

    virtual void open() = 0;
    // Closes without emitting disconnected().
    virtual void close() = 0;
    virtual bool isConnected() const = 0;

signals:
    void barReceived(const barkeep::Bar &bar, bool final);
    void connected();
    void disconnected(const QString &reason);
};

// A BarStream over one WebSocket, the part every provider shares: connect, protocol pings
// every pingIntervalMs (servers answer them with pongs; Binance's ≤5 messages/s leaves room),
// and a watchdog that drops a connection silent for idleTimeoutMs (no frame, no pong) — a
// half-open TCP connection otherwise looks alive forever. Subclasses send their handshake in
// handleOpened() and parse frames in handleMessage().
class BARKEEPCORE_EXPORT WebSocketBarStream : public BarStream
{
    Q_OBJECT

public:
    explicit WebSocketBarStream(const QUrl &url, QObject *parent = nullptr);
    ~WebSocketBarStream() override;

    QUrl url() const;
    void open() override;
    void close() override;
    bool isConnected() const override;
    void setPingInterval(int ms);
    void setIdleTimeout(int ms);

protected:
    // The socket is open: send auth/subscribe, or call markConnected() when nothing is needed.
    virtual void handleOpened() = 0;
    virtual void handleMessage(const QByteArray &message) = 0;
    // The socket closed (before disconnected() is emitted): reset per-connection state.
    virtual void handleClosed() {}

    void sendText(const QByteArray &json);
    // The provider acknowledged the subscription: emits connected() once per connection.
    void markConnected();
    // Drops the connection and reports `reason` through disconnected().
    void fail(const QString &reason);

private:
    void finish(const QString &reason);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace barkeep
