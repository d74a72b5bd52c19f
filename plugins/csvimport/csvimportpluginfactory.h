// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/marketplugin.h"

#include <QObject>

namespace barkeep {

// The Qt plugin object of the built-in CSV import provider.
class CsvImportPluginFactory : public QObject, public MarketPluginFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BARKEEP_MARKETPLUGIN_IID FILE "csvimport.json")
    Q_INTERFACES(barkeep::MarketPluginFactory)

public:
    std::unique_ptr<MarketPlugin> create(const ProviderSettings &settings,
                                         std::shared_ptr<ProviderContext> context) override;
};

} // namespace barkeep
