// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"

#include <QHash>
#include <QMutex>
#include <QWaitCondition>

#include <atomic>
#include <vector>

namespace barkeep {

// The ranges this process is fetching now, per series: two chunks (of one job or two) never
// fetch the same minutes at once, and a chunk waiting for an overlapping fetch re-checks the
// gaps once that one is committed. Used by the chunk tasks (any backfill pool thread); its
// condition also wakes a chunk's cancellable pause when a job is aborted.
class BackfillInFlight
{
public:
    // Waits until no registered range overlaps `range`, then registers it. False (nothing
    // registered) when `abort` is set first.
    bool acquire(const SeriesKey &series, TimeRange range, const std::atomic<bool> &abort);
    // Replaces the registered `range` by `to` (empty: releases it).
    void narrow(const SeriesKey &series, TimeRange range, TimeRange to);
    void release(const SeriesKey &series, TimeRange range) { narrow(series, range, {}); }
    // Waits up to `ms` unless `abort` is set; false when it is.
    bool pauseFor(const std::atomic<bool> &abort, qint64 ms);
    // Wakes every waiter (a job was aborted).
    void wakeAll();

private:
    QMutex m_mutex;
    QWaitCondition m_changed;
    QHash<SeriesKey, std::vector<TimeRange>> m_ranges;
};

} // namespace barkeep
