// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/series.h"
#include "model/sourcerun.h"
#include "util/result.h"

class QThreadPool;

namespace barkeep {
class DataOrchestrator;
}

namespace barkeep::ui {

// How the chart gets its bars: read through the DataOrchestrator on a worker thread, handed to
// ChartView::setBars() on the GUI thread (moved, never copied: the vector the store decoded
// into is the one the chart draws), then the memory the load left behind is given back. The
// window's loads and bench_chart's SQLite rows both go this way, so the benchmark measures the
// app's path.
//
// Why the release: a large load frees big blocks on several threads (the previous series'
// bars and pyramid on the GUI thread, the store's and the orchestrator's temporaries on the
// pool), and glibc keeps freed heap in its arenas instead of returning it, so after one chart
// of 1M bars the process stayed ~10-20 MiB above what it holds. malloc_trim(0) returns the
// free pages of every arena; it walks them all (milliseconds), so it runs on the pool, never
// on the GUI thread, and only after loads of at least kReleaseAfterBars.
class ChartLoader
{
public:
    static constexpr size_t kReleaseAfterBars = 100'000;

    ChartLoader(DataOrchestrator *orchestrator, QThreadPool *pool);

    // Blocking (the store, maybe a provider): call on a worker thread.
    Result<Bars> read(const SeriesKey &series, TimeRange range) const;
    // The same, with where each run of bars came from (native:1d, rollup:1m, cache) for the
    // chart's readout.
    Result<SourcedBars> readSourced(const SeriesKey &series, TimeRange range) const;
    // After the chart took or dropped `bars` bars: when that is large, returns the freed heap to
    // the OS on the pool. Returns whether a release was queued.
    bool releaseAfter(size_t bars) const;
    // The release itself, on the calling thread (glibc: malloc_trim(0); elsewhere nothing).
    // Returns whether memory was returned.
    static bool releaseFreedHeap();

private:
    DataOrchestrator *m_orchestrator;
    QThreadPool *m_pool;
};

} // namespace barkeep::ui
