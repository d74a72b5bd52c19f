// SPDX-License-Identifier: GPL-3.0-or-later
#include "csvimportplugin.h"

namespace barkeep {

CsvImportPlugin::CsvImportPlugin(ProviderSettings settings) : m_settings(std::move(settings)) {}

Result<BarBatch> CsvImportPlugin::fetchBars(const BarRequest &)
{
    // Never a file named by the request: the symbol comes from API clients, and a path there
    // would make the server read whatever it names (/dev/zero, a FIFO). Files come in through
    // `barkeep import FILE`, run by the user; what it stored is served from the store like
    // any fetched history.
    return Error(Error::Kind::Unsupported,
                 QStringLiteral("the csv provider has no remote source: its bars are imported "
                                "with `barkeep import FILE --symbol S` and served from the "
                                "store"));
}

} // namespace barkeep
