// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace barkeep {

class BarStore;
struct Bar;
struct SeriesKey;
class BarCache;
class BackfillControl;
class DataOrchestrator;
class MarketService;
class PluginRegistry;
class ApiMetrics;
struct ApiContext;

// What the API serves from; all owned elsewhere (Application) and thread-safe.
struct ApiServices
{
    PluginRegistry *registry = nullptr;
    MarketService *market = nullptr;
    DataOrchestrator *orchestrator = nullptr;
    BarStore *store = nullptr;
    BarCache *cache = nullptr;
    // The backfill routes answer 503 while this is null. Application wraps its
    // BackfillManager: std::make_shared<BackfillManagerControl<>>(manager) (backfillcontrol.h).
    std::shared_ptr<BackfillControl> backfill;
    // More Prometheus text appended to /metrics (e.g. provider pacer counters); any thread.
    std::function<QByteArray()> extraMetrics;
};

struct ApiOptions
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8765; // 0 = any free port
    QByteArray token;
    QStringList allowedHosts;   // extra Host header names besides loopback ones
    QStringList allowedOrigins; // extra WebSocket Origins ("https://app.example") besides loopback
    int maxBarsPerAnswer = 5000; // the maximum of `limit` (documented in docs/openapi.json)
    int defaultBars = 1000;      // the default of `limit`
    // An /ohlcv answer never needs more than this much 1m history; longer asks page (`next`).
    int maxSpanDays = 366;
    // /coverage and POST /backfills refuse longer ranges with a 400.
    int maxRangeDays = 20 * 366;
    // Connection limits (ConnectionGuard): api.maxConnectionsPerClient, api.maxRequestBytes,
    // api.idleTimeoutSec.
    int maxConnectionsPerClient = 64;
    qint64 maxRequestBytes = 65536;
    int idleTimeoutSec = 60;
    int maxHeaders = 64;
    // WebSocket stream.
    int streamPollMs = 3000;       // upstream polling period per series
    int snapshotBars = 100;        // bars in a subscription's snapshot (default; "limit" overrides)
    int streamQueueLimit = 256;    // queued messages per client before forming updates drop
    int streamDisconnectLimit = 1024; // queued final bars past which a slow client is dropped
    int maxSubscriptionsPerClient = 64;
    // Threads that share the send() calls of a broadcast to many (>= 64) subscribers, the API
    // thread included; 1 = all on the API thread (StreamSender says why, BENCHMARKS.md how much).
    int streamSendThreads = 2;
    // Several instances on one Redis (RedisFanout): cache.url when it is redis://…, else empty
    // (single instance); the upstream lease's TTL (api.streamLeaseMs).
    QString fanoutUrl;
    int streamLeaseMs = 6000;
    // RedisFanout's watchdog (a Redis that stops answering counts as down after
    // streamRedisTimeoutMs without an answer to its PINGs) and its reconnect backoff.
    int streamRedisPingMs = 1000;
    int streamRedisTimeoutMs = 4000;
    int streamRedisReconnectMinMs = 100;
    int streamRedisReconnectMaxMs = 5000;
    // Serve /ohlcv bars through QJsonDocument instead of BarJsonEncoder: the benchmark's
    // baseline, measured in the same run. Never set in production.
    bool qjsonBaseline = false;
    // Send WebSocket stream frames through QWebSocket::sendTextMessage() instead of
    // StreamClient's direct writes: bench_stream's baseline, same run. Never set in production.
    bool streamQtWriteBaseline = false;
    // Encoded /ohlcv answers kept for repeated questions (ResponseCache): at most this many
    // bytes, each for at most this long (0 = no cache). Invalidated at once when this process
    // stores bars of the series; the TTL bounds staleness from other writers.
    qint64 responseCacheBytes = 64LL << 20;
    int responseCacheTtlMs = 1000;
    // Wall clock for the stream (tests move it); null = the system clock.
    std::function<qint64()> clock;
};

// The seed's market_blueprint and websocket_blueprint: the local REST API of design.md and
// the WebSocket stream on one port. Lives on its own thread: create it *inside* that thread,
// since a QHttpServer moved with moveToThread leaves its WebSocket part behind (style.md §6).
// Routes live in one controller per resource; slow work (provider fetches, store reads) runs
// on a worker pool and is answered through a PendingResponse.
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
    const ApiMetrics &metrics() const;

    // Benchmark and test hook (bench_stream): hands `bar` to the WebSocket stream
    // exactly where the series' upstream would (SubscriptionWorker::barReady), so it goes
    // through SubscriptionService and BroadcastManager to every subscriber. False when this
    // instance runs no upstream for `series` (no subscriber yet). Call on the API thread.
    bool injectUpstreamBar(const SeriesKey &series, const Bar &bar, bool final);

private:
    class Private;
    std::unique_ptr<Private> d;
    quint16 m_port = 0;
};

} // namespace barkeep
