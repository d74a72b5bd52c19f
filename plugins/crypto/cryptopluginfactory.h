// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/marketplugin.h"

#include <QObject>

// The crypto plugin's entry point: metadata in crypto.json (read without instantiating), one
// MarketPlugin per exchange and settings.
class CryptoPluginFactory : public QObject, public barkeep::MarketPluginFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BARKEEP_MARKETPLUGIN_IID FILE "crypto.json")
    Q_INTERFACES(barkeep::MarketPluginFactory)

public:
    // nullptr for a provider this plugin does not know.
    std::unique_ptr<barkeep::MarketPlugin>
    create(const barkeep::ProviderSettings &settings,
           std::shared_ptr<barkeep::ProviderContext> context) override;
};
