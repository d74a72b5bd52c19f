// SPDX-License-Identifier: GPL-3.0-or-later
#include "guilauncher.h"

#include "application.h"

#include "api/apitoken.h"
#include "mainwindow.h"
#include "plugin/pluginregistry.h"
#include "services/backfillmanager.h"
#include "services/marketservice.h"
#include "settings/credentialstore.h"
#include "storage/store.h"

#include <QFile>
#include <QStandardPaths>

#include <memory>

namespace barkeep {

namespace {

// Provider keys kept in the OS keychain (written by the settings dialog) reach the plugins
// here; keys set in the config file or the environment win.
void applyKeychainCredentials(Application *app, ui::CredentialStore *store)
{
    MarketService *market = app->market();
    if (!market || !app->registry())
        return;
    for (const QString &id : app->registry()->providerIds()) {
        if (!app->config().providerValue(id, QStringLiteral("apiKey")).isEmpty())
            continue;
        auto key = std::make_shared<QString>();
        store->read(ui::CredentialStore::entryName(id, QStringLiteral("apiKey")),
                    [store, market, id, key](const QString &value, bool found, const QString &) {
                        if (!found || value.isEmpty())
                            return;
                        *key = value;
                        store->read(
                            ui::CredentialStore::entryName(id, QStringLiteral("apiSecret")),
                            [market, id, key](const QString &secret, bool, const QString &) {
                                market->setCredentials(id, *key, secret);
                            });
                    });
    }
}

} // namespace

GuiLauncher::GuiLauncher(Application *app)
{
    ui::AppServices services;
    services.registry = app->registry();
    services.market = app->market();
    services.orchestrator = app->orchestrator();
    services.store = app->store();
    services.cache = app->cache();
    services.backfill = app->backfill();
    services.apiPort = app->apiPort();
    services.apiToken = app->apiToken();
    services.config = app->config();
    services.livePollMs = int(services.config.apiStreamPollMs()); // the chart polls like the stream
    // The file main() reads when no --config is given.
    services.configFile = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)
                          + QStringLiteral("/config.json");
    services.tokenFile = app->tokenFile();
    const QString tokenFile = app->tokenFile();
    if (!tokenFile.isEmpty()) {
        services.regenerateToken = [tokenFile] { return ApiToken::regenerate(tokenFile); };
    }
    m_window = std::make_unique<ui::MainWindow>(services);
    applyKeychainCredentials(app, new ui::CredentialStore(m_window.get()));
    m_window->show();
}

GuiLauncher::~GuiLauncher() = default;

} // namespace barkeep
