// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestpacer.h"

#include "log/logging.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace barkeep {

namespace {
// Nobody signals us when a cancel flag flips, so a wait never sleeps longer than this
// before looking at it again.
constexpr qint64 kWaitSliceMs = 50;
// A request whose answer never came back to observe() (network error, timeout) frees its
// concurrency slot when its thread asks again, or after this long at the latest.
constexpr qint64 kStaleInFlightMs = 120'000;
constexpr qint64 kDefaultBanMs = 120'000;

thread_local RequestPacer::ThreadUsage t_usage;

QString clockText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
}
} // namespace

RequestPacer::RequestPacer(Limits limits) : m_limits(std::move(limits))
{
    if (m_limits.windowMs <= 0)
        m_limits.windowMs = 60'000;
    m_limits.target = std::clamp(m_limits.target, 0.1, 1.0);
    m_stats.budget = budgetLocked();
}

RequestPacer::~RequestPacer() = default;

RequestPacer::Limits RequestPacer::limitsFor(const ProviderInfo &info)
{
    Limits l;
    l.provider = info.id;
    l.weightPerWindow = std::max(0, info.weightPerMinute);
    l.windowMs = 60'000;
    l.requestsPerSecond = std::max(0.0, info.requestsPerSecond);
    l.maxConcurrency = std::max(0, info.maxConcurrency);
    return l;
}

std::function<std::unique_ptr<RequestGate>(const ProviderInfo &)> RequestPacer::factory()
{
    return [](const ProviderInfo &info) -> std::unique_ptr<RequestGate> {
        return std::make_unique<RequestPacer>(limitsFor(info));
    };
}

void RequestPacer::setClock(std::function<qint64()> clock)
{
    QMutexLocker lock(&m_mutex);
    m_clock = std::move(clock);
}

qint64 RequestPacer::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

RequestPacer::ThreadUsage RequestPacer::takeThreadUsage()
{
    const ThreadUsage u = t_usage;
    t_usage = {};
    return u;
}

void RequestPacer::expireLocked(qint64 t)
{
    while (!m_sent.empty() && m_sent.front().t + m_limits.windowMs <= t)
        m_sent.pop_front();
    if (m_externalWindow >= 0 && t / m_limits.windowMs != m_externalWindow) {
        m_external = 0;
        m_externalWindow = -1;
    }
    for (auto it = m_inFlight.begin(); it != m_inFlight.end();) {
        if (t - it.value() > kStaleInFlightMs)
            it = m_inFlight.erase(it);
        else
            ++it;
    }
}

int RequestPacer::slidingWeightLocked() const
{
    qint64 sum = m_external;
    for (const Sent &s : m_sent)
        sum += s.weight;
    return int(std::min<qint64>(sum, std::numeric_limits<int>::max()));
}

int RequestPacer::budgetLocked() const
{
    if (m_limits.weightPerWindow <= 0)
        return 0;
    const int limit = m_learnedBudget > 0 ? std::min(m_learnedBudget, m_limits.weightPerWindow)
                                          : m_limits.weightPerWindow;
    return std::max(1, int(std::floor(limit * m_limits.target)));
}

qint64 RequestPacer::nextAllowedLocked(int weight, qint64 t) const
{
    qint64 at = std::max(t, m_pausedUntil);
    if (m_limits.weightPerWindow > 0 && weight > 0) {
        const int budget = budgetLocked();
        const int used = slidingWeightLocked();
        // A single request heavier than the whole budget still goes out on an idle window.
        if (used + weight > budget && used > 0) {
            // The earliest moment some of the window's weight expires; the caller re-checks.
            qint64 free = std::numeric_limits<qint64>::max();
            if (!m_sent.empty())
                free = m_sent.front().t + m_limits.windowMs;
            if (m_external > 0)
                free = std::min(free, (m_externalWindow + 1) * m_limits.windowMs);
            at = std::max(at, free);
        }
    }
    if (m_limits.requestsPerSecond > 0 && m_lastIssueMs > 0) {
        const auto spacing = qint64(std::ceil(1000.0 / (m_limits.requestsPerSecond * m_limits.target)));
        at = std::max(at, m_lastIssueMs + spacing);
    }
    return at;
}

VoidResult RequestPacer::acquire(int weight, const std::atomic<bool> *cancel)
{
    QMutexLocker lock(&m_mutex);
    QThread *self = QThread::currentThread();
    // This thread's previous request ended without an answer (observe() never saw it).
    if (m_inFlight.remove(self) > 0)
        m_changed.wakeAll();
    bool counted = false;
    for (;;) {
        if (cancel && cancel->load())
            return Error(Error::Kind::Cancelled, QStringLiteral("request cancelled"));
        const qint64 t = now();
        if (t < m_bannedUntil)
            return Error(Error::Kind::Banned, blockedReasonLocked(t), {}, m_bannedUntil - t);
        expireLocked(t);
        const bool slotFree = m_limits.maxConcurrency <= 0
            || m_inFlight.size() < qsizetype(m_limits.maxConcurrency);
        const qint64 at = nextAllowedLocked(weight, t);
        if (slotFree && at <= t) {
            m_sent.push_back({t, std::max(0, weight)});
            m_inFlight.insert(self, t);
            m_lastIssueMs = t;
            ++m_stats.requests;
            m_stats.weightUsed += std::max(0, weight);
            ++t_usage.requests;
            t_usage.weight += std::max(0, weight);
            return {};
        }
        if (at - t > m_limits.maxBlockMs)
            return Error(Error::Kind::RateLimited,
                         QStringLiteral("%1: request budget exhausted for %2 s")
                             .arg(m_limits.provider)
                             .arg((at - t + 999) / 1000),
                         {}, at - t);
        if (!counted) {
            ++m_stats.waits;
            counted = true;
        }
        const qint64 slice = slotFree ? std::clamp<qint64>(at - t, 1, kWaitSliceMs) : kWaitSliceMs;
        m_changed.wait(&m_mutex, QDeadlineTimer(slice));
    }
}

void RequestPacer::observe(const HttpResponse &response)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    m_inFlight.remove(QThread::currentThread());
    expireLocked(t);

    bool ok = false;
    const int serverUsed = response.header(m_limits.usedWeightHeader).trimmed().toInt(&ok);
    if (ok && m_limits.weightPerWindow > 0) {
        // What the server counted in its current window beyond what we sent in it is someone
        // else's (another process on this IP): it counts against our budget too.
        const qint64 window = t / m_limits.windowMs;
        qint64 ours = 0;
        for (const Sent &s : m_sent)
            if (s.t / m_limits.windowMs == window)
                ours += s.weight;
        const qint64 external = std::max<qint64>(0, serverUsed - ours);
        if (m_externalWindow != window) {
            m_externalWindow = window;
            m_external = external;
        } else {
            m_external = std::max(m_external, external);
        }
    }

    if (response.status == 429) {
        ++m_stats.rateLimited;
        qint64 wait = HttpClient::retryAfterMs(response);
        if (wait < 0)
            wait = m_limits.weightPerWindow > 0
                ? (t / m_limits.windowMs + 1) * m_limits.windowMs - t
                : 1000;
        m_pausedUntil = std::max(m_pausedUntil, t + wait);
        // Refused near our budget: the server's limit is lower than documented, keep under
        // what it accepted. Refused far below it, the 429 has another cause: just wait.
        if (ok && m_limits.weightPerWindow > 0 && serverUsed >= m_limits.weightPerWindow / 2) {
            const int accepted = std::max(1, serverUsed - std::max(1, serverUsed / 20));
            m_learnedBudget = m_learnedBudget > 0 ? std::min(m_learnedBudget, accepted) : accepted;
            if (m_learnedBudget >= m_limits.weightPerWindow)
                m_learnedBudget = 0;
        }
        qCWarning(lcNet).noquote() << m_limits.provider << "answered 429; pausing until"
                                   << clockText(m_pausedUntil);
    } else if (response.status == 418) {
        ++m_stats.banned;
        const qint64 wait = HttpClient::retryAfterMs(response);
        m_bannedUntil = std::max(m_bannedUntil, t + (wait > 0 ? wait : kDefaultBanMs));
        qCWarning(lcNet).noquote() << m_limits.provider << "banned this IP (418) until"
                                   << clockText(m_bannedUntil);
    }
    m_changed.wakeAll();
}

bool RequestPacer::waitUntilClear(const std::atomic<bool> *cancel, QDeadlineTimer max)
{
    QMutexLocker lock(&m_mutex);
    for (;;) {
        if (cancel && cancel->load())
            return false;
        const qint64 t = now();
        const qint64 until = std::max(m_bannedUntil, m_pausedUntil);
        if (until <= t)
            return true;
        if (max.hasExpired())
            return false;
        m_changed.wait(&m_mutex, QDeadlineTimer(std::clamp<qint64>(until - t, 1, kWaitSliceMs)));
    }
}

QString RequestPacer::blockedReason() const
{
    QMutexLocker lock(&m_mutex);
    return blockedReasonLocked(now());
}

QString RequestPacer::blockedReasonLocked(qint64 t) const
{
    if (t < m_bannedUntil)
        return QStringLiteral("banned by %1 until %2").arg(m_limits.provider, clockText(m_bannedUntil));
    if (t < m_pausedUntil)
        return QStringLiteral("rate limited by %1 until %2")
            .arg(m_limits.provider, clockText(m_pausedUntil));
    return {};
}

PacerStats RequestPacer::stats() const
{
    QMutexLocker lock(&m_mutex);
    PacerStats s = m_stats;
    s.inFlight = int(m_inFlight.size());
    s.budget = budgetLocked();
    s.bannedUntilMs = m_bannedUntil;
    s.pausedUntilMs = m_pausedUntil;
    return s;
}

} // namespace barkeep
