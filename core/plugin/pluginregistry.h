// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "marketplugin.h"

#include <QList>
#include <QMutex>
#include <QStringList>

class QPluginLoader;

namespace barkeep {

// The seed's PluginLoader: knows every plugin (static built-ins and dynamic ones from a
// directory) by its JSON metadata, answers "which markets / providers" without running any
// plugin code, and instantiates a plugin's factory only when a provider is first used.
// Thread-safe.
class BARKEEPCORE_EXPORT PluginRegistry
{
public:
    PluginRegistry();
    ~PluginRegistry();
    PluginRegistry(const PluginRegistry &) = delete;
    PluginRegistry &operator=(const PluginRegistry &) = delete;

    // Reads the metadata of the static plugins and, if given, of the dynamic plugins in
    // `pluginDir`. Plugins with another apiVersion or IID are skipped with a warning
    // (listed in problems()).
    void discover(const QString &pluginDir = {});

    QList<PluginMetadata> plugins() const;
    QStringList markets() const;
    QList<ProviderInfo> providers(const QString &market = {}) const;
    std::optional<ProviderInfo> provider(const QString &market, const QString &providerId) const;
    QStringList providerIds() const;
    QStringList problems() const;
    // How many plugin factories were instantiated (tests prove listing does not).
    int instantiatedCount() const;

    // The factory for a provider; instantiates the plugin on first use.
    Result<MarketPluginFactory *> factoryFor(const QString &providerId);

private:
    struct Entry;
    mutable QMutex m_mutex;
    QList<Entry *> m_entries;
    QStringList m_problems;
};

} // namespace barkeep
