// SPDX-License-Identifier: GPL-3.0-or-later
#include "healthhistory.h"

#include <algorithm>

namespace barkeep::ui {

namespace {
double delta(qint64 now, qint64 before)
{
    return now >= before ? double(now - before) : double(now);
}
} // namespace

const HealthSnapshot *HealthHistory::atOrBefore(qint64 t) const
{
    const HealthSnapshot *best = m_snapshots.empty() ? nullptr : &m_snapshots.front();
    for (const HealthSnapshot &s : m_snapshots) {
        if (s.tMs > t)
            break;
        best = &s;
    }
    return best;
}

HealthPoint HealthHistory::add(const HealthSnapshot &s)
{
    HealthPoint p;
    p.tMs = s.tMs;
    p.weightLimit = double(s.weightLimit);
    if (!m_snapshots.empty()) {
        const HealthSnapshot &prev = m_snapshots.back();
        const double dt = std::max<qint64>(1, s.tMs - prev.tMs) / 1000.0;
        p.requestsPerSecond = delta(s.requests, prev.requests) / dt;
        p.barsPerSecond = delta(s.barsWritten, prev.barsWritten) / dt;
        const HealthSnapshot *minuteAgo = atOrBefore(s.tMs - 60'000);
        p.weightLastMinute = delta(s.weightUsed, minuteAgo->weightUsed);
        p.rateLimitedPerMinute
            = delta(s.rateLimited + s.banned, minuteAgo->rateLimited + minuteAgo->banned);
        const HealthSnapshot *tenAgo = atOrBefore(s.tMs - 10'000);
        const double hits = delta(s.cacheHits, tenAgo->cacheHits);
        const double misses = delta(s.cacheMisses, tenAgo->cacheMisses);
        if (hits + misses > 0)
            p.cacheHitRate = 100.0 * hits / (hits + misses);
    }
    m_snapshots.push_back(s);
    m_points.push_back(p);
    // Keep one snapshot older than a minute for the per-minute deltas.
    while (m_snapshots.size() > 2
           && m_snapshots[1].tMs < s.tMs - std::max<qint64>(m_keepMs, 61'000))
        m_snapshots.pop_front();
    while (!m_points.empty() && m_points.front().tMs < s.tMs - m_keepMs)
        m_points.pop_front();
    return p;
}

} // namespace barkeep::ui
