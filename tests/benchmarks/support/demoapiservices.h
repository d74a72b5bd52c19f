// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/localapiserver.h"
#include "cache/barcache.h"
#include "config/config.h"
#include "plugin/pluginregistry.h"
#include "services/dataorchestrator.h"
#include "services/marketservice.h"
#include "storage/store.h"

#include <QTemporaryDir>

#include <memory>

namespace barkeep::bench {

// What the API and stream drivers serve: a throw-away SQLite store, a memory cache and the
// discovered plugins (the offline demo provider among them), wired as the app wires them.
// Members are destroyed in reverse order, the services before the store they use.
struct DemoApiServices
{
    QTemporaryDir dir;
    Config config;
    std::unique_ptr<Store> store;
    std::unique_ptr<BarCache> cache;
    PluginRegistry registry;
    std::unique_ptr<MarketService> market;
    std::unique_ptr<DataOrchestrator> orchestrator;

    bool open(qint64 cacheBytes)
    {
        ConfigSources sources;
        sources.dataDir = dir.path();
        config = Config::load(sources).config;
        auto openedStore = createBarStore(QStringLiteral("sqlite://")
                                          + dir.filePath(QStringLiteral("b.db")));
        auto openedCache = createBarCache(QStringLiteral("memory:"), cacheBytes, 3600);
        if (!openedStore || !openedCache)
            return false;
        store = std::move(openedStore).value();
        cache = std::move(openedCache).value();
        if (!store->open() || !cache->open())
            return false;
        registry.discover();
        market = std::make_unique<MarketService>(&registry, config);
        orchestrator = std::make_unique<DataOrchestrator>(store.get(), cache.get(), market.get());
        return true;
    }

    ApiServices services()
    {
        return {&registry, market.get(), orchestrator.get(), store.get(), cache.get()};
    }
};

} // namespace barkeep::bench
