// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QtGlobal>

#include <utility>
#include <vector>

namespace barkeep::ui {

// Levels of detail of one bar series, so the chart never draws more candles than it has
// pixels for. Level 0 is the bars themselves; level k >= 1 merges all bars that fall into one
// epoch-aligned time bucket of (barDuration << k) ms into one exact OHLCV bar (open of the
// first, close of the last, highest high, lowest low, summed volume; t = bucket start).
// Buckets are aligned in time rather than pairing neighbours by index, so a gap in the data
// stays a gap at every level and every level keeps the chart's continuous time axis.
// The coarse levels are built in O(n) (each level from the one below) the first time a view
// needs one, not when the data arrives: a first frame of the latest bars draws level 0 only, so
// loading 1M bars costs no pyramid until the user zooms out. GUI thread, no Qt GUI; the lazy
// build is why the const accessors may allocate.
// Sparse data (bars much further apart than their duration) would make the first levels as
// large as the data itself, so a level that shrinks by less than 10% is not stored: the next
// stored level then merges 2^j buckets of the one below (its shift says how wide it is).
class LodPyramid
{
public:
    void build(Bars bars, qint64 barDurationMs);
    void clear();

    // The forming bar: replaces the bar with the same t, appends a later one (updating only the
    // last bucket of each level), and rebuilds for an out-of-order t.
    void updateLast(const Bar &bar);
    // Upserts bars (new values win) and rebuilds; used when a lazily loaded chunk arrives.
    void merge(const Bars &bars);

    bool isEmpty() const { return m_levels.empty() || m_levels.front().empty(); }
    int levelCount() const
    {
        ensureCoarse();
        return int(m_levels.size());
    }
    const Bars &level(int k) const
    {
        if (k > 0)
            ensureCoarse();
        return m_levels[size_t(k)];
    }
    // Empty before the first build().
    const Bars &bars() const { return m_levels.empty() ? emptyBars() : m_levels.front(); }
    qint64 barDurationMs() const { return m_barMs; }
    // Width of one level-k candle in ms (barDuration << shift(k)).
    qint64 bucketMs(int k) const { return m_barMs << shift(k); }
    int shift(int k) const
    {
        if (k > 0)
            ensureCoarse();
        return m_shifts[size_t(k)];
    }
    // Whether the coarse levels exist yet (they are built on first use).
    bool coarseBuilt() const { return !m_coarseStale; }
    // Entries held by all levels together (memory use is 48 bytes each).
    size_t entryCount() const;

    // The finest level whose candles are at least minCandlePx wide at msPerPx.
    int levelFor(double msPerPx, double minCandlePx) const;
    // Entries [first, last) of level k that overlap [from, to).
    std::pair<qsizetype, qsizetype> indexRange(int k, qint64 from, qint64 to) const;

    // OHLCV merge of a (earlier) and b (later) into one bar starting at a.t.
    static Bar mergeBars(const Bar &a, const Bar &b);
    // Start of the level-k bucket holding t (floor division, also for t < 0).
    static qint64 bucketStart(qint64 t, qint64 bucketMs);

private:
    static const Bars &emptyBars();
    void buildLevelsFrom(int firstLevel) const;
    void ensureCoarse() const
    {
        if (m_coarseStale)
            buildLevelsFrom(1);
    }

    // Level 0 is the data; levels >= 1 are a cache of it, rebuilt when stale.
    mutable std::vector<Bars> m_levels;
    mutable std::vector<int> m_shifts;
    mutable bool m_coarseStale = false;
    qint64 m_barMs = 60'000;
};

} // namespace barkeep::ui
