// SPDX-License-Identifier: GPL-3.0-or-later
#include "csvimportpluginfactory.h"

#include "csvimportplugin.h"

namespace barkeep {

std::unique_ptr<MarketPlugin> CsvImportPluginFactory::create(const ProviderSettings &settings,
                                                             std::shared_ptr<ProviderContext>)
{
    return std::make_unique<CsvImportPlugin>(settings);
}

} // namespace barkeep
