// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "csvbarparser.h"
#include "plugin/marketplugin.h"

namespace barkeep {

// The "csv" provider: the series of imported CSV files (`barkeep import FILE`, which parses
// with CsvBarParser). It lists no symbols (the API checks a csv symbol
// against the series in the store) and has no remote source: fetchBars answers Unsupported, so
// only what was imported is served and no request ever makes it read a file. Any thread.
class CsvImportPlugin final : public MarketPlugin
{
public:
    explicit CsvImportPlugin(ProviderSettings settings);

    QString providerId() const override { return QStringLiteral("csv"); }
    Result<QList<SymbolInfo>> symbols() override { return QList<SymbolInfo>{}; }
    Result<BarBatch> fetchBars(const BarRequest &request) override;

private:
    const ProviderSettings m_settings;
};

} // namespace barkeep
