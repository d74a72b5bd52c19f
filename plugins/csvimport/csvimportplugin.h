// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "csvbarparser.h"
#include "plugin/marketplugin.h"

namespace barkeep {

// The "csv" provider: a thin MarketPlugin over CsvBarParser. It lists no symbols (files are
// imported with `barkeep import FILE`); fetchBars reads the file named by a "file:" symbol
// ("file:/data/BTCUSDT-1m-2024-01.csv") and answers the bars in [since, until). A file with
// bad rows is refused with their line numbers rather than imported in part. Any thread.
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
