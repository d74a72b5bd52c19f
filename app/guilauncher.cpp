// SPDX-License-Identifier: GPL-3.0-or-later
#include "guilauncher.h"

#include "application.h"
#include "mainwindow.h"

namespace barkeep {

GuiLauncher::GuiLauncher(Application *app)
{
    ui::AppServices services;
    services.registry = app->registry();
    services.market = app->market();
    services.orchestrator = app->orchestrator();
    services.store = app->store();
    services.apiPort = app->apiPort();
    services.apiToken = app->apiToken();
    m_window = std::make_unique<ui::MainWindow>(services);
    m_window->show();
}

GuiLauncher::~GuiLauncher() = default;

} // namespace barkeep
