// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacapluginfactory.h"

#include "alpacaplugin.h"

namespace barkeep {

std::unique_ptr<MarketPlugin> AlpacaPluginFactory::create(const ProviderSettings &settings,
                                                          std::shared_ptr<ProviderContext> context)
{
    return std::make_unique<AlpacaPlugin>(settings, std::move(context));
}

} // namespace barkeep
