// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QUrl>

#include <functional>
#include <optional>

class QWebSocket;
class QWebSocketServer;

namespace barkeep::fakes {

// What the provider WebSocket fakes share: a loopback QWebSocketServer, the connected clients
// and the symbols each subscribed to, and the test's levers — push a forming or final bar of
// a minute from ground truth, drop every connection mid-stream, refuse new ones. The provider
// subclasses speak the documented frames (provider-apis.md). Lives in the creating thread.
class StreamFake : public QObject
{
    Q_OBJECT

public:
    // The closed 1m bar of (symbol, minute start), in the subclass's symbol naming.
    using Truth = std::function<std::optional<Bar>(const QString &symbol, qint64 minute)>;

    explicit StreamFake(Truth truth, QObject *parent = nullptr);
    ~StreamFake() override;

    // Listens on 127.0.0.1:port (0 = any free port); returns the port, 0 on failure.
    quint16 listen(quint16 port = 0);
    // ws://127.0.0.1:port — what providers.<id>.wsUrl is set to.
    QUrl url() const;

    // Sends the bar of `minute` to every client subscribed to `symbol`: final = the closed
    // truth bar, otherwise a forming one (the truth bar cut at `fraction` of its close move
    // and volume). Returns the bar sent (nullopt: no trades that minute, nothing sent).
    std::optional<Bar> pushBar(const QString &symbol, qint64 minute, bool final,
                               double fraction = 0.5);
    // Aborts every connection without a close frame (a network drop).
    void dropAll();
    // While set, new connections are closed right after the handshake.
    void setRefuseConnections(bool on) { m_refuse = on; }
    // Connections accepted so far, and those open and subscribed to something now.
    int connectionCount() const { return m_accepted; }
    int subscribedClients() const;
    // Every text frame clients sent, in order (auth and subscribe checks).
    QList<QByteArray> received() const { return m_received; }

signals:
    void subscribed(const QString &symbol);

protected:
    struct Client
    {
        QWebSocket *socket = nullptr;
        QSet<QString> symbols; // in the provider's spelling, as subscribed
        bool authenticated = false;
    };

    // A new connection (its path and query in `url`): greet, or subscribe from the URL.
    virtual void handleOpen(Client &client, const QUrl &url) = 0;
    virtual void handleText(Client &client, const QByteArray &message) = 0;
    // The frame for `bar` of `symbol` as the provider sends it (empty: nothing is sent).
    virtual QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) = 0;
    // The ground-truth name of a subscribed symbol (Kraken's BTC/USD → XXBTZUSD).
    virtual QString truthSymbol(const QString &symbol) const { return symbol; }

    void send(Client &client, const QByteArray &frame);
    void forEachSubscriber(const QString &symbol, const std::function<void(Client &)> &fn);
    void addSubscription(Client &client, const QString &symbol);

    Truth m_truth;

private:
    void accept();

    QWebSocketServer *m_server;
    QHash<QWebSocket *, Client> m_clients;
    QList<QByteArray> m_received;
    bool m_refuse = false;
    int m_accepted = 0;
};

} // namespace barkeep::fakes
