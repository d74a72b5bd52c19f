// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backfillchunkrunner.h"
#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "util/result.h"

#include <QString>
#include <QThreadPool>

#include <atomic>

namespace barkeep {

class BackfillInFlight;
class BarStore;
class ClaimStore;

// The BackfillManager's fetch claims in the store, so that processes sharing it never fetch
// the same minutes (ClaimStore). The owner name is unique per process and manager
// ("host:pid:random"), so a process of this host that is gone can be told apart.
// Thread rule: claim(), hold(), release() and reapDeadOwners() come from the chunk and plan
// tasks (any pool thread); renewIfDue() from the manager's thread only (its flush timer). The
// renewal runs on the keeper's own one-thread pool, never queued behind chunk tasks.
class BARKEEPCORE_EXPORT BackfillClaimKeeper
{
public:
    explicit BackfillClaimKeeper(ClaimStore *store);
    ~BackfillClaimKeeper(); // waits for a renewal in flight

    const QString &owner() const { return m_owner; }

    // The parts of `range` granted to this owner (ascending) until nowMs + ttlMs.
    Result<TimeRanges> claim(const SeriesKey &series, TimeRange range, qint64 ttlMs, qint64 nowMs);
    // A granted piece is kept while its chunk runs: renewed until released.
    void hold() { ++m_held; }
    // Drops this owner's claims inside `range`; `held` when it was counted by hold().
    void release(const SeriesKey &series, TimeRange range, bool held);
    // Keeps the held claims alive (a chunk may wait out a ban for longer than the TTL):
    // renews them every third of the TTL.
    void renewIfDue(qint64 nowMs, qint64 ttlMs);
    // A chunk's claim: waits (cancellable by `abort`) for the minutes of `range` no other chunk
    // of this process is fetching (`inFlight`), claims them in the store against other
    // processes, then returns what of the granted part is still to fetch (its hull in `bars`'
    // gaps), registered in `inFlight` and held. `whole` (an archive month) is all or nothing.
    // releaseChunk() undoes it.
    Result<ChunkClaim> claimChunk(BackfillInFlight &inFlight, BarStore *bars, const SeriesKey &series,
                                  TimeRange range, bool whole, bool recheckEmpty,
                                  const std::atomic<bool> &abort, qint64 ttlMs);
    // After the chunk's commit or failure: the store's claim, then this process' registry.
    void releaseChunk(BackfillInFlight &inFlight, const SeriesKey &series, TimeRange held);
    // Drops the claims of owners whose process is gone from this host, so a rerun after a
    // kill -9 continues at once instead of waiting for the dead process' claims to expire.
    void reapDeadOwners();
    void waitForDone() { m_renewPool.waitForDone(); }

    // True when `owner` is a process of this host that no longer exists (killed -9 or crashed
    // before releasing). Anything unsure (another host, a live or reused pid, no way to ask)
    // is false: its claims then expire by their TTL.
    static bool ownerIsDeadHere(const QString &owner);

private:
    ClaimStore *m_store;
    const QString m_owner;
    std::atomic<int> m_held{0}; // claims held in the store now
    qint64 m_lastRenewMs = 0;   // manager thread only
    std::atomic<bool> m_renewing{false};
    QThreadPool m_renewPool;    // last: destroyed (waited for) first
};

} // namespace barkeep
