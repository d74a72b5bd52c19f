// SPDX-License-Identifier: GPL-3.0-or-later
#include "pluginregistry.h"

#include "log/logging.h"

#include <QDir>
#include <QJsonObject>
#include <QPluginLoader>

namespace barkeep {

struct PluginRegistry::Entry
{
    PluginMetadata meta;
    std::optional<QStaticPlugin> staticPlugin;
    std::unique_ptr<QPluginLoader> loader;
    MarketPluginFactory *factory = nullptr;
};

PluginRegistry::PluginRegistry() = default;

PluginRegistry::~PluginRegistry()
{
    qDeleteAll(m_entries);
}

void PluginRegistry::discover(const QString &pluginDir)
{
    QMutexLocker lock(&m_mutex);
    auto accept = [this](const QJsonObject &raw, const QString &where) -> std::optional<PluginMetadata> {
        if (raw.value(QStringLiteral("IID")).toString() != QLatin1String(BARKEEP_MARKETPLUGIN_IID))
            return std::nullopt; // some other kind of Qt plugin
        Result<PluginMetadata> meta = PluginMetadata::fromJson(raw.value(QStringLiteral("MetaData")).toObject());
        if (!meta) {
            m_problems << QStringLiteral("%1: %2").arg(where, meta.error().message());
            return std::nullopt;
        }
        if (meta->apiVersion != kMarketPluginApiVersion) {
            m_problems << QStringLiteral("%1: plugin '%2' has API version %3, this Barkeep needs %4")
                              .arg(where, meta->id)
                              .arg(meta->apiVersion)
                              .arg(kMarketPluginApiVersion);
            return std::nullopt;
        }
        for (const Entry *e : std::as_const(m_entries))
            if (e->meta.id == meta->id) {
                m_problems << QStringLiteral("%1: plugin '%2' is already loaded").arg(where, meta->id);
                return std::nullopt;
            }
        return meta.value();
    };

    for (const QStaticPlugin &sp : QPluginLoader::staticPlugins()) {
        if (auto meta = accept(sp.metaData(), QStringLiteral("built-in"))) {
            auto *e = new Entry;
            e->meta = *meta;
            e->staticPlugin = sp;
            m_entries.append(e);
        }
    }
    if (!pluginDir.isEmpty()) {
        const QDir dir(pluginDir);
        for (const QString &file : dir.entryList(QDir::Files)) {
            if (!QLibrary::isLibrary(file))
                continue;
            auto loader = std::make_unique<QPluginLoader>(dir.absoluteFilePath(file));
            if (auto meta = accept(loader->metaData(), dir.absoluteFilePath(file))) {
                auto *e = new Entry;
                e->meta = *meta;
                e->loader = std::move(loader);
                m_entries.append(e);
            }
        }
    }
    for (const QString &p : std::as_const(m_problems))
        qCWarning(lcPlugins).noquote() << p;
}

QList<PluginMetadata> PluginRegistry::plugins() const
{
    QMutexLocker lock(&m_mutex);
    QList<PluginMetadata> out;
    for (const Entry *e : m_entries)
        out << e->meta;
    return out;
}

QStringList PluginRegistry::markets() const
{
    QStringList out;
    for (const PluginMetadata &m : plugins())
        for (const QString &market : m.markets)
            if (!out.contains(market))
                out << market;
    return out;
}

QList<ProviderInfo> PluginRegistry::providers(const QString &market) const
{
    QList<ProviderInfo> out;
    for (const PluginMetadata &m : plugins())
        for (const ProviderInfo &p : m.providers)
            if (market.isEmpty() || p.market == market)
                out << p;
    return out;
}

std::optional<ProviderInfo> PluginRegistry::provider(const QString &market,
                                                     const QString &providerId) const
{
    for (const ProviderInfo &p : providers(market))
        if (p.id == providerId)
            return p;
    return std::nullopt;
}

QStringList PluginRegistry::providerIds() const
{
    QStringList out;
    for (const ProviderInfo &p : providers())
        if (!out.contains(p.id))
            out << p.id;
    return out;
}

QStringList PluginRegistry::problems() const
{
    QMutexLocker lock(&m_mutex);
    return m_problems;
}

int PluginRegistry::instantiatedCount() const
{
    QMutexLocker lock(&m_mutex);
    int n = 0;
    for (const Entry *e : m_entries)
        n += e->factory ? 1 : 0;
    return n;
}

Result<MarketPluginFactory *> PluginRegistry::factoryFor(const QString &providerId)
{
    QMutexLocker lock(&m_mutex);
    for (Entry *e : std::as_const(m_entries)) {
        const bool serves = std::any_of(e->meta.providers.cbegin(), e->meta.providers.cend(),
                                        [&](const ProviderInfo &p) { return p.id == providerId; });
        if (!serves)
            continue;
        if (!e->factory) {
            QObject *root = e->staticPlugin ? e->staticPlugin->instance() : e->loader->instance();
            if (!root)
                return Error(Error::Kind::Internal,
                             QStringLiteral("plugin '%1' failed to load: %2")
                                 .arg(e->meta.id, e->loader ? e->loader->errorString() : QString()));
            e->factory = qobject_cast<MarketPluginFactory *>(root);
            if (!e->factory)
                return Error(Error::Kind::Internal,
                             QStringLiteral("plugin '%1' does not implement %2")
                                 .arg(e->meta.id, QLatin1String(BARKEEP_MARKETPLUGIN_IID)));
            qCInfo(lcPlugins) << "instantiated plugin" << e->meta.id;
        }
        return e->factory;
    }
    return Error(Error::Kind::NotFound, QStringLiteral("unknown provider '%1'").arg(providerId));
}

} // namespace barkeep
