// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "util/result.h"

#include <QObject>
#include <QThread>

#include <memory>

namespace barkeep {

class Store;
class BarCache;
class PluginRegistry;
class MarketService;
class DataOrchestrator;
class BackfillManager;
class LocalApiServer;

// The seed's before_serving / after_serving: owns every service and starts them in order —
// store → cache → plugins → services (orchestrator, backfill) → API — and stops them in reverse. Passed by pointer to
// the UI and the CLI verbs; nothing is a singleton, so a test can run two in one process.
class Application : public QObject
{
    Q_OBJECT

public:
    explicit Application(const Config &config, QObject *parent = nullptr);
    ~Application() override;

    VoidResult start();
    void stop();
    bool isRunning() const { return m_running; }

    const Config &config() const { return m_config; }
    Store *store() const { return m_store.get(); }
    BarCache *cache() const { return m_cache.get(); }
    PluginRegistry *registry() const { return m_registry.get(); }
    MarketService *market() const { return m_market.get(); }
    DataOrchestrator *orchestrator() const { return m_orchestrator.get(); }
    BackfillManager *backfill() const { return m_backfill.get(); }
    quint16 apiPort() const { return m_apiPort; }
    QByteArray apiToken() const { return m_token; }
    QString tokenFile() const { return m_tokenFile; }

    // The API token: api.token when set, else the token file in the config dir, created with
    // a fresh random token (mode 0600) on first start.
    static Result<QByteArray> loadOrCreateToken(const QString &path);

private:
    VoidResult startApi();
    void stopApi();

    Config m_config;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<BarCache> m_cache;
    std::unique_ptr<PluginRegistry> m_registry;
    std::unique_ptr<MarketService> m_market;
    std::unique_ptr<DataOrchestrator> m_orchestrator;
    std::unique_ptr<BackfillManager> m_backfill;
    QThread m_apiThread;
    QObject *m_apiContext = nullptr;
    LocalApiServer *m_api = nullptr; // lives on m_apiThread
    quint16 m_apiPort = 0;
    QByteArray m_token;
    QString m_tokenFile;
    bool m_running = false;
};

} // namespace barkeep
