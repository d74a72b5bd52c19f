// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <deque>

namespace barkeep::ui {

// Cumulative counters read at one moment (sums over all providers).
struct HealthSnapshot
{
    qint64 tMs = 0;
    qint64 requests = 0;
    qint64 weightUsed = 0;
    qint64 rateLimited = 0; // 429s
    qint64 banned = 0;      // 418s
    qint64 weightLimit = 0; // sum of the per-minute weight budgets in force (0 = none)
    qint64 barsWritten = 0; // by backfill jobs and on-demand fetches
    qint64 cacheHits = 0;
    qint64 cacheMisses = 0;
};

// One plotted point, derived from two snapshots.
struct HealthPoint
{
    qint64 tMs = 0;
    double requestsPerSecond = 0;
    double weightLastMinute = 0; // weight sent in the 60 s before tMs
    double weightLimit = 0;
    double rateLimitedPerMinute = 0; // 429s + 418s in the 60 s before tMs
    double barsPerSecond = 0;
    double cacheHitRate = -1; // % of lookups in the last 10 s; -1 = no lookups
};

// The data-health arithmetic, GUI-free: keeps the snapshots of the last `keepMs` and turns
// counter deltas into rates. Counters that go backwards (a provider's pacer was recreated)
// count from zero instead of producing negative rates.
class HealthHistory
{
public:
    explicit HealthHistory(qint64 keepMs = 5 * 60'000)
        : m_keepMs(keepMs)
    {
    }

    // Adds a snapshot and returns the point for it (the first one has zero rates).
    HealthPoint add(const HealthSnapshot &s);
    const std::deque<HealthPoint> &points() const { return m_points; }
    qint64 keepMs() const { return m_keepMs; }

private:
    const HealthSnapshot *atOrBefore(qint64 t) const;

    qint64 m_keepMs;
    std::deque<HealthSnapshot> m_snapshots;
    std::deque<HealthPoint> m_points;
};

} // namespace barkeep::ui
