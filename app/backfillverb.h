// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QStringList>

namespace barkeep {

// `barkeep backfill --provider P --symbol S --since T --until T [--market M]`: fills the
// range's gaps headless against the configured store, with a progress bar on a terminal
// (plain lines otherwise). Ctrl-C pauses the job (it stays resumable); running the same
// command again resumes it. Exit code: 0 done, 1 failed, 2 usage, 130 interrupted.
int runBackfillVerb(const QStringList &args, const Config &config);

} // namespace barkeep
