// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QStringList>

namespace barkeep {

// `barkeep export`: the stored bars of a series as CSV plus a JSON manifest of the covered,
// empty and never-fetched ranges (what a researcher needs to trust the file). Reads the store
// only; nothing is fetched.
int runExportVerb(const QStringList &args, const Config &config);
// `barkeep import FILE`: CSV (Binance archive rows or generic t,o,h,l,c,v) into a series, with
// coverage. Idempotent. A file with bad rows is refused (every bad line listed) unless
// --skip-bad, which imports the good rows and covers only runs of consecutive minutes.
int runImportVerb(const QStringList &args, const Config &config);

} // namespace barkeep
