// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "demogenerator.h"
#include "plugin/marketplugin.h"

#include <QObject>

namespace barkeep::demo {

// The offline demo provider: synthetic 1m bars, no network, so a new user sees Barkeep work
// (charts, gaps, backfill) on a machine without internet.
class DemoPlugin final : public MarketPlugin
{
public:
    explicit DemoPlugin(const ProviderSettings &settings);
    QString providerId() const override { return QStringLiteral("demo"); }
    Result<QList<SymbolInfo>> symbols() override;
    Result<BarBatch> fetchBars(const BarRequest &request) override;

private:
    ProviderSettings m_settings;
    DemoGenerator m_generator;
};

class DemoPluginFactory : public QObject, public MarketPluginFactory
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID BARKEEP_MARKETPLUGIN_IID FILE "demo.json")
    Q_INTERFACES(barkeep::MarketPluginFactory)

public:
    std::unique_ptr<MarketPlugin> create(const ProviderSettings &settings,
                                         std::shared_ptr<ProviderContext> context) override;
};

} // namespace barkeep::demo
