// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillinflight.h"

#include <QDeadlineTimer>

#include <algorithm>

namespace barkeep {

namespace {
// Waits poll the abort flag at least this often (it is set without taking our mutex).
constexpr qint64 kPollMs = 50;
} // namespace

bool BackfillInFlight::acquire(const SeriesKey &series, TimeRange range, const std::atomic<bool> &abort)
{
    QMutexLocker lock(&m_mutex);
    for (;;) {
        if (abort.load())
            return false;
        const std::vector<TimeRange> &busy = m_ranges[series];
        const bool clash = std::any_of(busy.begin(), busy.end(), [&](TimeRange r) {
            return r.from < range.to && range.from < r.to;
        });
        if (!clash)
            break;
        m_changed.wait(&m_mutex, QDeadlineTimer(kPollMs));
    }
    m_ranges[series].push_back(range);
    return true;
}

void BackfillInFlight::narrow(const SeriesKey &series, TimeRange range, TimeRange to)
{
    QMutexLocker lock(&m_mutex);
    auto &busy = m_ranges[series];
    const auto it = std::find(busy.begin(), busy.end(), range);
    if (it != busy.end()) {
        if (to.isEmpty())
            busy.erase(it);
        else
            *it = to;
    }
    m_changed.wakeAll();
}

bool BackfillInFlight::pauseFor(const std::atomic<bool> &abort, qint64 ms)
{
    QDeadlineTimer deadline(ms);
    QMutexLocker lock(&m_mutex);
    while (!abort.load() && !deadline.hasExpired())
        m_changed.wait(&m_mutex, QDeadlineTimer(std::min<qint64>(kPollMs, deadline.remainingTime())));
    return !abort.load();
}

void BackfillInFlight::wakeAll()
{
    QMutexLocker lock(&m_mutex);
    m_changed.wakeAll();
}

} // namespace barkeep
