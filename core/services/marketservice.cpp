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

QByteArray MarketService::gateMetrics(const QStringList &providers) const
{
    // Label values are provider ids from plugin metadata ([a-z0-9_]); nothing to escape.
    QList<QPair<QByteArray, GateStats>> all;
    QList<GateState> states;
    for (const QString &p : providers)
        if (RequestGate *g = gate(p)) {
            all.append({p.toUtf8(), g->stats()});
            states.append(g->state());
        }
    QByteArray out;
    auto help = [&out](const char *name, const char *type, const char *text) {
        out += QByteArray("# HELP ") + name + ' ' + text + '\n';
        out += QByteArray("# TYPE ") + name + ' ' + type + '\n';
    };
    auto each = [&](const char *name, const char *type, const char *text, auto value) {
        help(name, type, text);
        for (const auto &[p, s] : all)
            out += QByteArray(name) + "{provider=\"" + p + "\"} " + QByteArray::number(value(s)) + '\n';
    };
    each("barkeep_provider_requests_total", "counter", "Requests sent to the provider.",
         [](const GateStats &s) { return s.requests; });
    each("barkeep_provider_weight_total", "counter", "Request weight used at the provider.",
         [](const GateStats &s) { return s.weightUsed; });
    each("barkeep_provider_rate_limited_total", "counter",
         "Too-many answers from the provider (HTTP 429, Kraken's body error).",
         [](const GateStats &s) { return s.rateLimited; });
    each("barkeep_provider_banned_total", "counter", "HTTP 418 (ban) answers from the provider.",
         [](const GateStats &s) { return s.banned; });
    each("barkeep_provider_in_flight", "gauge", "Requests to the provider in flight.",
         [](const GateStats &s) { return qint64(s.inFlight); });
    each("barkeep_provider_banned_until_seconds", "gauge",
         "When the provider's ban of this IP ends (Unix time; 0 = none seen).",
         [](const GateStats &s) { return s.bannedUntilMs / 1000; });
    each("barkeep_provider_paused_until_seconds", "gauge",
         "When the pause after the provider's last too-many answer ends (Unix time; 0 = none).",
         [](const GateStats &s) { return s.pausedUntilMs / 1000; });
    help("barkeep_provider_gate_state", "gauge",
         "1 for the reason the provider's gate holds requests now (open, budget, rate_limited, banned).");
    for (qsizetype i = 0; i < all.size(); ++i)
        out += "barkeep_provider_gate_state{provider=\"" + all[i].first + "\",reason=\""
            + GateState::reasonName(states[i].reason) + "\"} 1\n";
    // -> QByteArray: a QStringBuilder returned from here would outlive its temporaries.
    auto limitLabels = [](const QByteArray &p, const LimitUsage &u) -> QByteArray {
        return "{provider=\"" + p + "\",kind=\"" + RateLimit::kindName(u.limit.kind) + "\",interval_seconds=\""
            + QByteArray::number(double(u.limit.intervalMs) / 1000.0) + "\",source=\""
            + RateLimit::sourceName(u.limit.source) + "\"} ";
    };
    auto perLimit = [&](const char *name, const char *text, auto value) {
        help(name, "gauge", text);
        for (const auto &[p, s] : all)
            for (const LimitUsage &u : s.limits)
                out += QByteArray(name) + limitLabels(p, u) + QByteArray::number(value(u)) + '\n';
    };
    perLimit("barkeep_provider_limit", "A limit in force per interval, and where it came from "
             "(metadata, announced, header, learned).", [](const LimitUsage &u) { return u.limit.limit; });
    perLimit("barkeep_provider_limit_budget", "The part of the limit the gate allows itself.",
             [](const LimitUsage &u) { return u.budget; });
    perLimit("barkeep_provider_limit_used", "Used in the limit's window (sent, in flight, and "
             "counted by the provider from elsewhere on this IP).", [](const LimitUsage &u) { return u.used; });
    perLimit("barkeep_provider_limit_remaining", "Left of the limit in its window.",
             [](const LimitUsage &u) { return u.remaining; });
    return out;
}

bool MarketService::enabled(const ProviderInfo &info) const
{
    return m_config.providerEnabled(info.id);
}

bool MarketService::configured(const ProviderInfo &info) const
{
    // Alpaca's crypto data needs no key; its stock data does.
    return !(info.requiresCredentials && info.market == QLatin1String("stocks")
             && settingsFor(info.market, info.id).apiKey.isEmpty());
}

VoidResult MarketService::usable(const ProviderInfo &info) const
{
    if (!enabled(info))
        return Error(Error::Kind::Conflict,
                     QStringLiteral("provider '%1' is disabled (providers.%1.enabled)").arg(info.id));
    if (!configured(info))
        return Error(Error::Kind::Auth,
                     QStringLiteral("provider '%1' needs an API key (providers.%1.apiKey)").arg(info.id));
    return {};
}

Result<std::shared_ptr<MarketPlugin>> MarketService::plugin(const QString &market,
                                                            const QString &provider)
{
    const std::optional<ProviderInfo> info = m_registry->provider(market, provider);
    if (!info)
        return Error(Error::Kind::NotFound,
                     QStringLiteral("unknown provider '%1' in market '%2'").arg(provider, market));
    if (VoidResult ok = usable(*info); !ok)
        return ok.error();
    const ProviderSettings settings = settingsFor(market, provider);
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
