// SPDX-License-Identifier: GPL-3.0-or-later
#include "application.h"

#include "api/apitoken.h"
#include "api/backfillcontrol.h"
#include "api/localapiserver.h"
#include "cache/barcache.h"
#include "log/logging.h"
#include "plugin/pluginregistry.h"
#include "services/backfillmanager.h"
#include "services/dataorchestrator.h"
#include "services/requestpacer.h"
#include "services/sharedbudget.h"
#include "services/marketservice.h"
#include "storage/store.h"
#include "util/epolleventdispatcher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QStandardPaths>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include <unistd.h>

namespace barkeep {

namespace {

// The longest Application::stop() may take: a service manager waits ~5 s after SIGTERM before
// SIGKILL, and stopping must never wait on unbounded I/O (a provider or store that stopped
// answering with its socket open, a plugin blocked in a read). Requests in flight are aborted
// first, so a normal stop takes milliseconds; this is the backstop for whatever still blocks.
// Ending the process is safe: every store write is one transaction (WAL), as after kill -9.
constexpr int kStopDeadlineMs = 4500;
constexpr int kExitStopDeadline = 3;

// Ends the process if it is still alive `ms` after construction; the destructor disarms it.
// Its own thread: the thread that stops is the one that may be stuck.
class StopDeadline
{
public:
    explicit StopDeadline(int ms)
        : m_thread([this, ms] {
              std::unique_lock lock(m_mutex);
              if (m_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_done; }))
                  return;
              // Not through the logger: the stuck thread may hold its lock.
              std::fprintf(stderr, "barkeep: stopping did not finish within %d ms (stuck while %s): "
                                   "exiting now\n", ms, m_stage.load());
              std::fflush(stderr);
              ::_exit(kExitStopDeadline);
          })
    {}
    ~StopDeadline()
    {
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_cv.notify_all();
        m_thread.join();
    }
    void stage(const char *what) { m_stage.store(what); }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_done = false;
    std::atomic<const char *> m_stage{"aborting provider requests"};
    std::thread m_thread; // last: starts once the members above exist
};

// Prometheus text for every provider gate in use (limits in force, usage, 429s, bans).
QByteArray pacerMetrics(MarketService *market, const QStringList &providers)
{
    return market->gateMetrics(providers);
}
} // namespace

Application::Application(const Config &config, QObject *parent)
    : QObject(parent), m_config(config)
{
    m_apiThread.setObjectName(QStringLiteral("api"));
}

Application::~Application()
{
    stop();
}

Result<QByteArray> Application::loadOrCreateToken(const QString &path)
{
    return ApiToken::loadOrCreate(path);
}

VoidResult Application::start()
{
    if (m_running)
        return {};
    // 1. store
    Result<std::unique_ptr<Store>> store = createBarStore(m_config.storeUrl());
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    if (VoidResult ok = m_store->open(); !ok)
        return Error(ok.error().kind(),
                     QStringLiteral("cannot open the store %1: %2").arg(m_store->describe(), ok.error().message()));
    qCInfo(lcApp).noquote() << "store:" << m_store->describe();

    // 2. cache
    Result<std::unique_ptr<BarCache>> cache = createBarCache(
        m_config.cacheUrl(), m_config.integer(QStringLiteral("cache.memoryMaxBytes")),
        int(m_config.integer(QStringLiteral("cache.ttlSec"))));
    if (!cache)
        return cache.error();
    m_cache = std::move(cache).value();
    if (VoidResult ok = m_cache->open(); !ok)
        return Error(ok.error().kind(),
                     QStringLiteral("cannot open the cache %1: %2").arg(m_cache->describe(), ok.error().message()));
    qCInfo(lcApp).noquote() << "cache:" << m_cache->describe();

    // 3. plugins
    m_registry = std::make_unique<PluginRegistry>();
    QString pluginDir = m_config.string(QStringLiteral("plugins.path"));
    if (pluginDir.isEmpty())
        pluginDir = qEnvironmentVariable("BARKEEP_PLUGIN_PATH");
    m_registry->discover(pluginDir);

    // 4. services
    m_market = std::make_unique<MarketService>(m_registry.get(), m_config);
    // Every provider request, interactive or backfill, goes through its provider's pacer.
    // Providers count per IP: instances sharing the cache's Redis share each provider's
    // budget through it; without Redis each instance paces alone.
    m_market->setGateFactory(RequestPacer::factory(
        m_config.cacheUrl().startsWith(QLatin1String("redis://"))
            ? std::make_shared<SharedBudget>(m_config.cacheUrl())
            : nullptr));
    m_orchestrator = std::make_unique<DataOrchestrator>(m_store.get(), m_cache.get(), m_market.get());
    m_backfill = std::make_unique<BackfillManager>(m_store.get(), m_cache.get(), m_market.get(), m_config);
    if (VoidResult ok = m_backfill->start(); !ok) {
        stop();
        return ok;
    }

    // 5. API
    if (m_config.boolean(QStringLiteral("api.enabled"))) {
        if (VoidResult ok = startApi(); !ok) {
            stop();
            return ok;
        }
    }
    m_running = true;
    return {};
}

VoidResult Application::startApi()
{
    m_token = m_config.string(QStringLiteral("api.token")).toUtf8();
    if (m_token.isEmpty()) {
        m_tokenFile = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)
            + QStringLiteral("/api-token");
        Result<QByteArray> token = loadOrCreateToken(m_tokenFile);
        if (!token)
            return token.error();
        m_token = *token;
    }
    ApiServices services{m_registry.get(), m_market.get(), m_orchestrator.get(), m_store.get(),
                         m_cache.get()};
    services.backfill = std::make_shared<BackfillManagerControl<>>(m_backfill.get());
    services.extraMetrics = [market = m_market.get(), registry = m_registry.get()] {
        return pacerMetrics(market, registry->providerIds());
    };
    ApiOptions options;
    const QString host = m_config.apiHost();
    options.address = host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                         : QHostAddress(host);
    options.port = m_config.apiPort();
    options.token = m_token;
    options.allowedHosts = m_config.string(QStringLiteral("api.allowedHosts"))
                               .split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (!options.address.isLoopback())
        options.allowedHosts << options.address.toString();
    options.maxConnectionsPerClient = int(m_config.integer(QStringLiteral("api.maxConnectionsPerClient")));
    options.maxRequestBytes = m_config.integer(QStringLiteral("api.maxRequestBytes"));
    options.idleTimeoutSec = int(m_config.integer(QStringLiteral("api.idleTimeoutSec")));
    options.maxBarsPerAnswer = int(m_config.apiMaxBarsPerAnswer());
    options.defaultBars = int(m_config.apiDefaultBars());
    options.maxSpanDays = int(m_config.apiMaxSpanDays());
    options.streamPollMs = int(m_config.apiStreamPollMs());
    options.snapshotBars = int(m_config.apiSnapshotBars());
    options.maxSubscriptionsPerClient = int(m_config.apiMaxSubscriptionsPerClient());
    options.streamLeaseMs = int(m_config.integer(QStringLiteral("api.streamLeaseMs")));
    options.streamRedisTimeoutMs = int(m_config.integer(QStringLiteral("api.streamRedisTimeoutMs")));
    options.streamRedisPingMs = std::max(50, options.streamRedisTimeoutMs / 4);
    options.allowedOrigins = m_config.string(QStringLiteral("api.allowedOrigins"))
                                 .split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (m_config.cacheUrl().startsWith(QLatin1String("redis://")))
        options.fanoutUrl = m_config.cacheUrl(); // the stream fans out over the cache's Redis
    if (!options.fanoutUrl.isEmpty() && options.streamRedisTimeoutMs >= options.streamLeaseMs)
        qCWarning(lcApp, "api.streamRedisTimeoutMs (%d) is not below api.streamLeaseMs (%d): a "
                         "stalled Redis lets the stream's upstream lease lapse before it is noticed",
                  options.streamRedisTimeoutMs, options.streamLeaseMs);

    // The API thread waits on epoll (EpollEventDispatcher says why). A thread that ran before
    // lost its dispatcher when it finished, so one is installed on every start.
    if (!m_apiThread.eventDispatcher())
        m_apiThread.setEventDispatcher(new EpollEventDispatcher);
    m_apiThread.start();
    m_apiContext = new QObject;
    m_apiContext->moveToThread(&m_apiThread);
    VoidResult result;
    // The server is created inside its thread (style.md §6) and the caller waits for listen().
    QMetaObject::invokeMethod(m_apiContext, [&] {
        m_api = new LocalApiServer(services, options);
        result = m_api->listen();
        if (result)
            m_apiPort = m_api->serverPort();
    }, Qt::BlockingQueuedConnection);
    if (!result)
        stopApi();
    return result;
}

void Application::stopApi()
{
    if (!m_apiThread.isRunning())
        return;
    QMetaObject::invokeMethod(m_apiContext, [this] {
        delete m_api;
        m_api = nullptr;
        delete m_apiContext;
        m_apiContext = nullptr;
    }, Qt::BlockingQueuedConnection);
    m_apiThread.quit();
    m_apiThread.wait();
}

void Application::stop()
{
    std::optional<StopDeadline> deadline;
    if (m_running)
        deadline.emplace(kStopDeadlineMs);
    const auto stage = [&](const char *what) {
        if (deadline)
            deadline->stage(what);
    };
    // Reverse order of start(), after cutting provider requests short: an API call or a live
    // stream's REST heal waiting on a slow provider would otherwise hold the stop for up to
    // the request deadline (two minutes).
    if (m_market)
        m_market->abortRequests();
    stage("stopping the API (waiting for its worker pool)");
    stopApi();
    stage("stopping the backfill manager");
    if (m_backfill)
        m_backfill->stop();
    m_backfill.reset();
    m_orchestrator.reset();
    stage("closing provider instances");
    if (m_market)
        m_market->closeAll();
    m_market.reset();
    m_registry.reset();
    stage("closing the cache");
    if (m_cache)
        m_cache->close();
    m_cache.reset();
    stage("closing the store");
    if (m_store)
        m_store->close();
    m_store.reset();
    if (m_running)
        qCInfo(lcApp) << "stopped";
    m_running = false;
}

} // namespace barkeep
