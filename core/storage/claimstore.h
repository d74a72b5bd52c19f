// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace barkeep {

// Fetch claims (leases), so that several processes sharing one store (two headless servers,
// the GUI and a `barkeep backfill` run) never fetch the same minutes. Thread-safe like
// BarStore. The BackfillManager's chunk runner and claim keeper are the users.
class BARKEEPCORE_EXPORT ClaimStore
{
public:
    virtual ~ClaimStore();

    // In one transaction, serialized per series across processes: drops expired claims,
    // returns the parts of `range` (ascending) not held by another owner's unexpired claim,
    // and records them as held by `owner` until nowMs + ttlMs. An owner's own claims never
    // block it. A claimer killed -9 blocks nobody for longer than its TTL.
    virtual Result<TimeRanges> claim(const SeriesKey &series, TimeRange range,
                                     const QString &owner, qint64 ttlMs, qint64 nowMs) = 0;
    // Drops the claims of `owner` lying inside `range` (what claim() granted for it).
    virtual VoidResult release(const SeriesKey &series, TimeRange range, const QString &owner) = 0;
    // Moves the expiry of every claim of `owner` to nowMs + ttlMs (a fetch outliving the
    // TTL, e.g. waiting out a ban); returns how many claims it holds.
    virtual Result<qint64> renewClaims(const QString &owner, qint64 ttlMs, qint64 nowMs) = 0;
    // The owners holding claims (expired or not), so a caller that can tell an owner is dead
    // (its process is gone) can drop its claims at once with releaseAll() instead of waiting
    // for them to expire.
    virtual Result<QStringList> claimOwners() = 0;
    virtual VoidResult releaseAll(const QString &owner) = 0;

protected:
    // The parts of `range` outside every range of `held` (claim()'s answer), ascending.
    static TimeRanges unheldParts(TimeRange range, std::vector<TimeRange> held);
};

} // namespace barkeep
