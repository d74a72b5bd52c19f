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
// Built once per data set in O(n) (each level from the one below); GUI thread, no Qt GUI.
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
    int levelCount() const { return int(m_levels.size()); }
    const Bars &level(int k) const { return m_levels[size_t(k)]; }
    const Bars &bars() const { return m_levels.front(); }
    qint64 barDurationMs() const { return m_barMs; }
    // Width of one level-k candle in ms (barDuration << shift(k)).
    qint64 bucketMs(int k) const { return m_barMs << m_shifts[size_t(k)]; }
    int shift(int k) const { return m_shifts[size_t(k)]; }
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
    void buildLevelsFrom(int firstLevel);

    std::vector<Bars> m_levels;
    std::vector<int> m_shifts;
    qint64 m_barMs = 60'000;
};

} // namespace barkeep::ui
