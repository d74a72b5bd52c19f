// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "config/config.h"
#include "plugin/marketplugin.h"
#include "plugin/pluginregistry.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace barkeep {

// The seed's MarketService: configured plugin instances cached by (plugin, provider,
// credential hash, testnet), created single-flight, retired after plugins.idleTimeoutSec
// without use. plugin() may be called from any thread; the idle sweep runs on the thread
// this object lives in.
class BARKEEPCORE_EXPORT MarketService : public QObject
{
    Q_OBJECT

public:
    // Makes the RequestGate (pacer) of a provider; owned by the service, one per provider.
    using GateFactory = std::function<std::unique_ptr<RequestGate>(const ProviderInfo &)>;

    MarketService(PluginRegistry *registry, const Config &config, QObject *parent = nullptr);
    ~MarketService() override;

    PluginRegistry *registry() const { return m_registry; }
    void setGateFactory(GateFactory factory) { m_gateFactory = std::move(factory); }
    // The provider's gate (pacer), or nullptr before its first use. One per provider for
    // every request to it: backfill, on-demand fetches, stream heals, symbol lists.
    RequestGate *gate(const QString &providerId) const;
    // Prometheus text for the gates of `providers` in use: request, weight, 429 and 418
    // counters; every limit in force with its source, used and remaining; requests in flight;
    // the gate's state and when a pause or ban ends.
    QByteArray gateMetrics(const QStringList &providers) const;

    Result<std::shared_ptr<MarketPlugin>> plugin(const QString &market, const QString &provider);
    // Whether `provider` of `market` can be used now: an error saying why not when it is
    // disabled (Conflict) or lacks the credentials it needs (Auth). plugin() refuses the same.
    VoidResult usable(const ProviderInfo &info) const;
    // usable()'s two conditions, each on its own (GET /providers shows both).
    bool enabled(const ProviderInfo &info) const;
    bool configured(const ProviderInfo &info) const;
    ProviderSettings settingsFor(const QString &market, const QString &provider) const;
    // Overrides the credentials (from the OS keychain) for a provider; never logged.
    void setCredentials(const QString &provider, const QString &key, const QString &secret);

    int instanceCount() const;
    void sweepIdle(qint64 nowMs);
    void closeAll();
    // Shutdown: aborts every provider request in flight and fails new ones (HttpClient's
    // abort flag), so stopping the application never waits out a slow provider.
    void abortRequests();

private:
    struct Instance;
    PluginRegistry *m_registry;
    Config m_config;
    GateFactory m_gateFactory;
    mutable QMutex m_mutex;
    QHash<QString, std::shared_ptr<Instance>> m_instances;
    QHash<QString, std::shared_ptr<RequestGate>> m_gates;
    QHash<QString, QPair<QString, QString>> m_credentials;
    QTimer m_sweepTimer;
    std::shared_ptr<std::atomic<bool>> m_abortRequests = std::make_shared<std::atomic<bool>>(false);
    qint64 m_idleTimeoutMs;
};

} // namespace barkeep
