// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/timeframe.h"

#include <QString>

#include <vector>

namespace barkeep {

// Checks bars before they are stored (issue 4 §5): a bar that fails goes to quarantine with
// the reason, never into the store as if good. Pure and shared by every BarStore.
class BARKEEPCORE_EXPORT BarValidator
{
public:
    struct Rejected
    {
        Bar bar;
        QString reason;
    };

    // Empty when the bar is good, else why it is not ("high below max(open, close)", ...).
    static QString check(const Bar &bar, const Timeframe &timeframe);
    // Removes the bad bars from `bars` (keeping the order of the good ones) and returns them
    // with their reasons.
    static std::vector<Rejected> filter(Bars &bars, const Timeframe &timeframe);
};

} // namespace barkeep
