// SPDX-License-Identifier: GPL-3.0-or-later
#include "marketservice.h"

#include "log/logging.h"

#include <QDateTime>

namespace barkeep {

struct MarketService::Instance
{
    std::shared_ptr<MarketPlugin> plugin;
    std::atomic<qint64> lastUsedMs{0};
    QMutex initMutex; // single-flight creation (the seed's asyncio.Lock)
    Error initError;
};

MarketService::MarketService(PluginRegistry *registry, const Config &config, QObject *parent)
    : QObject(parent), m_registry(registry), m_config(config),
      m_idleTimeoutMs(config.integer(QStringLiteral("plugins.idleTimeoutSec")) * 1000)
{
    if (m_idleTimeoutMs <= 0)
        m_idleTimeoutMs = 300'000;
    m_sweepTimer.setInterval(int(std::clamp<qint64>(m_idleTimeoutMs / 4, 250, 60'000)));
    connect(&m_sweepTimer, &QTimer::timeout, this,
            [this] { sweepIdle(QDateTime::currentMSecsSinceEpoch()); });
    m_sweepTimer.start();
}

MarketService::~MarketService()
{
    closeAll();
}

ProviderSettings MarketService::settingsFor(const QString &market, const QString &provider) const
{
    ProviderSettings s;
    s.provider = provider;
    s.market = market;
    s.baseUrl = m_config.providerValue(provider, QStringLiteral("baseUrl"));
    s.wsUrl = m_config.providerValue(provider, QStringLiteral("wsUrl"));
    s.tradingUrl = m_config.providerValue(provider, QStringLiteral("tradingUrl"));
    s.archiveUrl = m_config.providerValue(provider, QStringLiteral("archiveUrl"));
    s.apiKey = m_config.providerValue(provider, QStringLiteral("apiKey"));
    s.apiSecret = m_config.providerValue(provider, QStringLiteral("apiSecret"));
    s.testnet = m_config.boolean(QStringLiteral("providers.") + provider + QStringLiteral(".testnet"));
    s.feed = m_config.providerValue(provider, QStringLiteral("feed"));
    QMutexLocker lock(&m_mutex);
    if (auto it = m_credentials.constFind(provider); it != m_credentials.cend()) {
        s.apiKey = it->first;
        s.apiSecret = it->second;
    }
    return s;
}

void MarketService::setCredentials(const QString &provider, const QString &key, const QString &secret)
{
    QMutexLocker lock(&m_mutex);
    m_credentials.insert(provider, {key, secret});
}

RequestGate *MarketService::gate(const QString &providerId) const
{
    QMutexLocker lock(&m_mutex);
    return m_gates.value(providerId).get();
}

Result<std::shared_ptr<MarketPlugin>> MarketService::plugin(const QString &market,
                                                            const QString &provider)
{
    const std::optional<ProviderInfo> info = m_registry->provider(market, provider);
    if (!info)
        return Error(Error::Kind::NotFound,
                     QStringLiteral("unknown provider '%1' in market '%2'").arg(provider, market));
    if (!m_config.providerEnabled(provider))
        return Error(Error::Kind::Conflict,
                     QStringLiteral("provider '%1' is disabled (providers.%1.enabled)").arg(provider));
    const ProviderSettings settings = settingsFor(market, provider);
    if (info->requiresCredentials && market == QLatin1String("stocks") && settings.apiKey.isEmpty())
        return Error(Error::Kind::Auth,
                     QStringLiteral("provider '%1' needs an API key (providers.%1.apiKey)").arg(provider));
    const QString key = provider + QLatin1Char('|') + market + QLatin1Char('|')
        + QString::fromLatin1(settings.credentialHash()) + QLatin1Char('|')
        + (settings.testnet ? QLatin1Char('t') : QLatin1Char('l'));

    std::shared_ptr<Instance> instance;
    std::shared_ptr<RequestGate> gate;
    {
        QMutexLocker lock(&m_mutex);
        instance = m_instances.value(key);
        if (!instance) {
            instance = std::make_shared<Instance>();
            m_instances.insert(key, instance);
        }
        gate = m_gates.value(provider);
        if (!gate && m_gateFactory) {
            gate = m_gateFactory(*info);
            m_gates.insert(provider, gate);
        }
    }
    instance->lastUsedMs = QDateTime::currentMSecsSinceEpoch();
    QMutexLocker init(&instance->initMutex);
    if (instance->plugin)
        return instance->plugin;
    Result<MarketPluginFactory *> factory = m_registry->factoryFor(provider);
    if (!factory)
        return factory.error();
    auto context = std::make_shared<ProviderContext>();
    context->http.setGate(gate.get());
    context->http.setAbortFlag(m_abortRequests);
    std::unique_ptr<MarketPlugin> created = (*factory)->create(settings, context);
    if (!created)
        return Error(Error::Kind::Internal,
                     QStringLiteral("plugin for '%1' returned no instance").arg(provider));
    // The context (and its gate) lives as long as the plugin instance.
    instance->plugin = std::shared_ptr<MarketPlugin>(created.release(),
                                                     [context, gate](MarketPlugin *p) {
                                                         p->close();
                                                         delete p;
                                                     });
    qCInfo(lcMarket) << "created provider instance" << provider << market
                     << (settings.testnet ? "testnet" : "live");
    return instance->plugin;
}

int MarketService::instanceCount() const
{
    QMutexLocker lock(&m_mutex);
    int n = 0;
    for (const auto &i : m_instances)
        n += i->plugin ? 1 : 0;
    return n;
}

void MarketService::sweepIdle(qint64 nowMs)
{
    QList<std::shared_ptr<Instance>> retired;
    {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_instances.begin(); it != m_instances.end();) {
            if (nowMs - it.value()->lastUsedMs.load() >= m_idleTimeoutMs && it.value()->plugin) {
                qCInfo(lcMarket) << "closing idle provider instance"
                                 << it.key().section(QLatin1Char('|'), 0, 1);
                retired << it.value();
                it = m_instances.erase(it);
            } else {
                ++it;
            }
        }
    }
    // Destroyed outside the lock; a thread still using one keeps it alive (shared_ptr).
}

void MarketService::abortRequests()
{
    if (!m_abortRequests->exchange(true))
        qCInfo(lcMarket) << "aborting provider requests in flight";
}

void MarketService::closeAll()
{
    QMutexLocker lock(&m_mutex);
    m_instances.clear();
}

} // namespace barkeep
