// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QThreadPool>

#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;

namespace barkeep {

class BarStore;
class BarCache;
class DataOrchestrator;
class MarketService;
class PluginRegistry;

// What the API serves from; all owned elsewhere (Application) and thread-safe.
struct ApiServices
{
    PluginRegistry *registry = nullptr;
    MarketService *market = nullptr;
    DataOrchestrator *orchestrator = nullptr;
    BarStore *store = nullptr;
    BarCache *cache = nullptr;
};

struct ApiOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8765; // 0 = any free port
    QByteArray token;
    QStringList allowedHosts; // extra Host header names besides loopback ones
    int maxBarsPerAnswer = 5000;
    int defaultBars = 1000;
};

// The seed's market_blueprint (and later websocket_blueprint): the local REST API of
// design.md on one port. Lives on its own thread: create it *inside* that thread, since
// QHttpServer left behind by moveToThread keeps its WebSocket part on the old thread
// (style.md §6). Slow work (provider fetches, store reads) runs on a worker pool and is
// answered through a QHttpServerResponder kept alive until the result arrives; the socket is
// checked before writing, because Qt 6.4 writes to a deleted socket if the client left.
class BARKEEPCORE_EXPORT LocalApiServer : public QObject
{
    Q_OBJECT

public:
    static constexpr int kApiVersion = 1;

    LocalApiServer(const ApiServices &services, const ApiOptions &options,
                   QObject *parent = nullptr);
    ~LocalApiServer() override;

    // Starts listening; the port actually bound (when options.port was 0) is serverPort().
    VoidResult listen();
    quint16 serverPort() const { return m_port; }

    // Constant-time token comparison (no early exit on the first differing byte).
    static bool tokensEqual(const QByteArray &a, const QByteArray &b);
    // Whether a Host header value names this server (DNS-rebinding guard).
    static bool hostAllowed(const QByteArray &hostHeader, const QStringList &allowed);

private:
    void setupRoutes();
    // Returns an error when the request may not proceed (foreign Host, missing/wrong token).
    std::optional<Error> checkAccess(const QHttpServerRequest &request, bool needToken) const;

    ApiServices m_services;
    ApiOptions m_options;
    std::unique_ptr<QHttpServer> m_server;
    QThreadPool m_pool;
    quint16 m_port = 0;
};

} // namespace barkeep
