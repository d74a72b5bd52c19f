// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/timeframe.h"
#include "util/result.h"

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

    struct Write
    {
        Bars good;                      // ascending, one bar per open time
        std::vector<Rejected> rejected; // for the quarantine table
    };
    // What every store does with a write's bars before storing them: a bar outside `covered`
    // rejects the whole write (BadInput: the ledger must stay truthful), duplicates keep the
    // last one given (as a second write would), the rest is sorted and filtered.
    static Result<Write> prepareWrite(const Bars &bars, TimeRange covered,
                                      const Timeframe &timeframe);
};

} // namespace barkeep
