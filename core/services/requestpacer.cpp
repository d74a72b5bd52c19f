// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestpacer.h"

#include "log/logging.h"
#include "sharedbudget.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <limits>

namespace barkeep {

namespace {
// Nobody signals us when a cancel flag flips, so a wait never sleeps longer than this
// before looking at it again.
constexpr qint64 kWaitSliceMs = 50;
// A request whose answer never came back to observe() (network error, timeout) frees its
// concurrency slot when its thread asks again, or after this long at the latest.
constexpr qint64 kStaleInFlightMs = 120'000;
constexpr qint64 kDefaultBanMs = 120'000;
// A "too many" without Retry-After: the first backoff, doubled on each one that follows
// before a request succeeds, up to the last.
constexpr qint64 kFirstBackoffMs = 1'000;
constexpr qint64 kMaxBackoffMs = 60'000;
// Request limits up to this interval are spaced evenly, not only counted.
constexpr qint64 kSpacedUpToMs = 10'000;
// Alpaca's X-Ratelimit-* figures count requests per minute.
constexpr qint64 kRateHeaderWindowMs = 60'000;

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
    for (const RateLimit &l : seedLimits(m_limits))
        addWindowLocked(l, 0);
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

QList<RateLimit> RequestPacer::seedLimits(const Limits &l)
{
    QList<RateLimit> out;
    if (l.weightPerWindow > 0)
        out.append({RateLimit::Kind::Weight, l.windowMs, l.weightPerWindow, RateLimit::Source::Metadata});
    if (l.requestsPerSecond > 0) {
        // A whole number of requests per interval: 3.3/s is 33 per 10 s, 0.5/s 1 per 2 s.
        if (l.requestsPerSecond >= 1 && l.requestsPerSecond == std::floor(l.requestsPerSecond))
            out.append({RateLimit::Kind::Requests, 1000, int(l.requestsPerSecond), RateLimit::Source::Metadata});
        else if (l.requestsPerSecond < 1)
            out.append({RateLimit::Kind::Requests, qint64(std::ceil(1000.0 / l.requestsPerSecond)), 1,
                        RateLimit::Source::Metadata});
        else
            out.append({RateLimit::Kind::Requests, 10'000, int(std::floor(l.requestsPerSecond * 10)),
                        RateLimit::Source::Metadata});
    }
    return out;
}

std::function<std::unique_ptr<RequestGate>(const ProviderInfo &)>
RequestPacer::factory(std::shared_ptr<SharedBudget> shared)
{
    return [shared](const ProviderInfo &info) -> std::unique_ptr<RequestGate> {
        auto pacer = std::make_unique<RequestPacer>(limitsFor(info));
        pacer->setSharedBudget(shared);
        return pacer;
    };
}

void RequestPacer::setSharedBudget(std::shared_ptr<SharedBudget> shared)
{
    QMutexLocker lock(&m_mutex);
    m_shared = std::move(shared);
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

RequestPacer::Window *RequestPacer::windowLocked(RateLimit::Kind kind, qint64 intervalMs)
{
    for (Window &w : m_windows)
        if (w.limit.kind == kind && w.limit.intervalMs == intervalMs)
            return &w;
    return nullptr;
}

RequestPacer::Window &RequestPacer::addWindowLocked(const RateLimit &limit, qint64 t)
{
    Window w;
    w.limit = limit;
    w.limit.intervalMs = std::max<qint64>(1, limit.intervalMs);
    // What we already sent inside its interval counts at once: a longer window holds it.
    const Window *from = nullptr;
    for (const Window &o : m_windows)
        if (!from || o.limit.intervalMs > from->limit.intervalMs)
            from = &o;
    if (from)
        for (const Sent &s : from->sent)
            if (s.t + w.limit.intervalMs > t) {
                w.sent.push_back(s);
                w.sum += w.units(s.weight);
            }
    m_windows.push_back(std::move(w));
    return m_windows.back();
}

void RequestPacer::expireLocked(qint64 t)
{
    for (Window &w : m_windows) {
        while (!w.sent.empty() && w.sent.front().t + w.limit.intervalMs <= t) {
            w.sum -= w.units(w.sent.front().weight);
            w.sent.pop_front();
        }
        if (w.external > 0 && t >= w.externalUntil)
            w.external = 0;
    }
    for (auto it = m_inFlight.begin(); it != m_inFlight.end();) {
        if (t - it.value() > kStaleInFlightMs)
            it = m_inFlight.erase(it);
        else
            ++it;
    }
}

int RequestPacer::budgetOf(const Window &w) const
{
    return std::max(1, int(std::floor(w.limit.limit * m_limits.target)));
}

qint64 RequestPacer::usedLocked(const Window &w, qint64) const
{
    return w.sum + w.external;
}

qint64 RequestPacer::nextAllowedLocked(int weight, qint64 t) const
{
    qint64 at = std::max(t, m_pausedUntil);
    for (const Window &w : m_windows) {
        const int units = w.units(std::max(0, weight));
        if (units <= 0)
            continue;
        const qint64 used = usedLocked(w, t);
        // A single request heavier than the whole budget still goes out on an idle window.
        if (used + units > budgetOf(w) && used > 0) {
            // The earliest moment some of the window's use expires; the caller re-checks.
            qint64 free = std::numeric_limits<qint64>::max();
            if (!w.sent.empty())
                free = w.sent.front().t + w.limit.intervalMs;
            if (w.external > 0)
                free = std::min(free, w.externalUntil);
            at = std::max(at, free);
        }
        // Request limits over a few seconds (the metadata's requests per second) are also
        // spread evenly: a burst of the whole budget is what the providers' token buckets
        // refuse.
        if (w.limit.kind == RateLimit::Kind::Requests && w.limit.intervalMs <= kSpacedUpToMs
            && m_lastIssueMs > 0) {
            const auto spacing
                = qint64(std::ceil(double(w.limit.intervalMs) / (w.limit.limit * m_limits.target)));
            at = std::max(at, m_lastIssueMs + spacing);
        }
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
        qint64 at = nextAllowedLocked(weight, t);
        at = std::max(at, m_sharedUntil);
        if (slotFree && at <= t && m_shared) {
            // The other instances on this IP spend the same budget: Redis says whether this
            // request still fits every window.
            std::vector<SharedBudget::Window> shared;
            for (const Window &w : m_windows)
                shared.push_back({w.limit, budgetOf(w)});
            const int full = m_shared->reserve(m_limits.provider, shared, std::max(0, weight), t);
            if (full >= 0) {
                at = SharedBudget::windowEnd(shared[std::size_t(full)].limit, t);
                m_sharedUntil = at; // not asked again before that window ends
            }
        }
        if (slotFree && at <= t) {
            const int w = std::max(0, weight);
            for (Window &win : m_windows) {
                win.sent.push_back({t, w});
                win.sum += win.units(w);
            }
            m_inFlight.insert(self, t);
            m_lastIssueMs = t;
            ++m_stats.requests;
            m_stats.weightUsed += w;
            ++t_usage.requests;
            t_usage.weight += w;
            return {};
        }
        if (at - t > m_limits.maxBlockMs)
            return Error(Error::Kind::RateLimited,
                         t < m_pausedUntil ? blockedReasonLocked(t)
                                           : QStringLiteral("%1: request budget exhausted for %2 s")
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

void RequestPacer::correctLocked(Window &w, qint64 serverUsed, qint64 serverWindowStart,
                                 qint64 serverWindowEnd)
{
    // What the provider counted in its current window beyond what we sent in it is someone
    // else's (another process on this IP): it counts against our budget too, until the
    // provider's window ends.
    qint64 ours = 0;
    for (const Sent &s : w.sent)
        if (s.t >= serverWindowStart)
            ours += w.units(s.weight);
    const qint64 external = std::max<qint64>(0, serverUsed - ours);
    if (w.externalUntil != serverWindowEnd) {
        w.externalUntil = serverWindowEnd;
        w.external = external;
    } else {
        w.external = std::max(w.external, external);
    }
}

void RequestPacer::observe(const HttpResponse &response)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    m_inFlight.remove(QThread::currentThread());
    expireLocked(t);

    // Binance: X-MBX-USED-WEIGHT-<n><unit>, the IP's weight in the provider's current fixed
    // window of that length, for every interval it counts.
    // The fullest weight window the headers named (used figure, its limit and interval), for
    // a 429; kept by value, as adding a window below may move the others.
    qint64 weightSeen = -1;
    int weightSeenLimit = 0;
    qint64 weightSeenInterval = 0;
    static constexpr QByteArrayView kUsedWeight = "x-mbx-used-weight-";
    for (const auto &[name, value] : response.headers) {
        if (!name.startsWith(kUsedWeight))
            continue;
        const qint64 interval = RateLimit::intervalOf(QByteArrayView(name).sliced(kUsedWeight.size()));
        bool ok = false;
        const qint64 used = value.trimmed().toLongLong(&ok);
        if (!ok || interval <= 0)
            continue;
        Window *w = windowLocked(RateLimit::Kind::Weight, interval);
        if (!w) {
            // The provider counts in a window we hold no limit for: its announced limits
            // changed since we read them.
            m_stale = true;
            continue;
        }
        const qint64 start = t / interval * interval;
        correctLocked(*w, used, start, start + interval);
        if (weightSeenInterval == 0 || used * weightSeenLimit > weightSeen * w->limit.limit) {
            weightSeen = used;
            weightSeenLimit = w->limit.limit;
            weightSeenInterval = interval;
        }
    }

    // Alpaca (and others): X-Ratelimit-Limit / -Remaining / -Reset (epoch seconds).
    bool okLimit = false, okRemaining = false, okReset = false;
    const int hdrLimit = response.header("x-ratelimit-limit").trimmed().toInt(&okLimit);
    const int hdrRemaining = response.header("x-ratelimit-remaining").trimmed().toInt(&okRemaining);
    const qint64 hdrReset = response.header("x-ratelimit-reset").trimmed().toLongLong(&okReset);
    if (okLimit && hdrLimit > 0) {
        Window *w = windowLocked(RateLimit::Kind::Requests, kRateHeaderWindowMs);
        const RateLimit stated{RateLimit::Kind::Requests, kRateHeaderWindowMs, hdrLimit, RateLimit::Source::Header};
        if (!w)
            w = &addWindowLocked(stated, t);
        else if (w->limit.source != RateLimit::Source::Learned || hdrLimit < w->limit.limit)
            w->limit = stated;
        if (okRemaining && okReset) {
            const qint64 end = std::max(t + 1, hdrReset * 1000);
            correctLocked(*w, std::max(0, hdrLimit - hdrRemaining), end - kRateHeaderWindowMs, end);
            // Nothing left: wait for the reset instead of meeting a 429.
            if (hdrRemaining <= 0 && response.status != 429)
                m_pausedUntil = std::max(m_pausedUntil, end);
        }
    }

    if (response.isSuccess())
        m_backoffMs = 0;

    if (response.status == 429) {
        ++m_stats.rateLimited;
        if (weightSeenInterval > 0 && weightSeen >= weightSeenLimit / 2) {
            // Refused near our figure: the provider's limit is lower than we were told. Keep
            // under what it accepted, and read its announcement again.
            Window *w = windowLocked(RateLimit::Kind::Weight, weightSeenInterval);
            const int accepted = int(std::max<qint64>(1, weightSeen - std::max<qint64>(1, weightSeen / 20)));
            if (accepted < w->limit.limit)
                w->limit = {RateLimit::Kind::Weight, w->limit.intervalMs, accepted, RateLimit::Source::Learned};
            m_stale = true;
        } else if (weightSeenInterval == 0) {
            // A provider without usage headers (Coinbase): its real figure is below ours.
            tightenLocked(QStringLiteral("HTTP 429"));
        }
        qint64 wait = HttpClient::retryAfterMs(response);
        if (wait < 0 && weightSeenInterval > 0) // until the provider's window ends
            wait = (t / weightSeenInterval + 1) * weightSeenInterval - t;
        pauseLocked(t, wait);
        qCWarning(lcNet).noquote() << m_limits.provider << "answered 429; pausing until"
                                   << clockText(m_pausedUntil);
    } else if (response.status == 418) {
        ++m_stats.banned;
        const qint64 wait = HttpClient::retryAfterMs(response);
        m_bannedUntil = std::max(m_bannedUntil, t + (wait > 0 ? wait : kDefaultBanMs));
        m_stale = true;
        qCWarning(lcNet).noquote() << m_limits.provider << "banned this IP (418) until"
                                   << clockText(m_bannedUntil);
    }
    m_changed.wakeAll();
}

void RequestPacer::pauseLocked(qint64 t, qint64 retryAfterMs)
{
    qint64 wait = retryAfterMs;
    if (wait < 0) {
        m_backoffMs = m_backoffMs > 0 ? std::min(kMaxBackoffMs, m_backoffMs * 2) : kFirstBackoffMs;
        wait = m_backoffMs;
    }
    m_pausedUntil = std::max(m_pausedUntil, t + wait);
}

void RequestPacer::tightenLocked(const QString &why)
{
    // The request limits (per second first) lose a fifth: the provider refused at a pace we
    // thought it allowed.
    for (Window &w : m_windows) {
        if (w.limit.kind != RateLimit::Kind::Requests)
            continue;
        const int lower = std::max(1, int(std::floor(w.limit.limit * 0.8)));
        if (lower < w.limit.limit || w.limit.limit == 1) {
            // 1 per interval cannot lose a fifth: the interval grows instead.
            if (w.limit.limit == 1)
                w.limit.intervalMs = qint64(std::ceil(w.limit.intervalMs * 1.25));
            w.limit.limit = lower;
            w.limit.source = RateLimit::Source::Learned;
            qCInfo(lcNet).noquote() << m_limits.provider << "said too many (" << why << "); pacing at"
                                    << w.limit.limit << "requests per" << w.limit.intervalMs << "ms";
        }
    }
}

void RequestPacer::throttled(qint64 retryAfterMs, const QString &why)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    ++m_stats.rateLimited;
    tightenLocked(why);
    pauseLocked(t, retryAfterMs);
    qCWarning(lcNet).noquote() << m_limits.provider << "throttled:" << why << "; pausing until"
                               << clockText(m_pausedUntil);
    m_changed.wakeAll();
}

void RequestPacer::announce(const QList<RateLimit> &limits)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    bool any = false;
    for (RateLimit l : limits) {
        if (l.limit <= 0 || l.intervalMs <= 0)
            continue;
        any = true;
        l.source = RateLimit::Source::Announced;
        if (Window *w = windowLocked(l.kind, l.intervalMs)) {
            if (w->limit.limit != l.limit || w->limit.source != l.source)
                qCInfo(lcNet).noquote() << m_limits.provider << "announces" << l.limit
                                        << RateLimit::kindName(l.kind) << "per" << l.intervalMs << "ms";
            w->limit = l;
        } else {
            addWindowLocked(l, t);
            qCInfo(lcNet).noquote() << m_limits.provider << "announces" << l.limit
                                    << RateLimit::kindName(l.kind) << "per" << l.intervalMs << "ms";
        }
    }
    // The provider has spoken: the metadata's guesses it did not confirm are dropped. An
    // answer that named no limit (a server without rateLimits) keeps those in force, and is
    // not asked again before the refresh period.
    if (any)
        std::erase_if(m_windows, [](const Window &w) { return w.limit.source == RateLimit::Source::Metadata; });
    m_announcedAt = std::max<qint64>(1, t);
    m_stale = false;
    m_changed.wakeAll();
}

bool RequestPacer::limitsStale() const
{
    QMutexLocker lock(&m_mutex);
    return m_stale || m_announcedAt == 0 || now() - m_announcedAt >= m_limits.refreshMs;
}

bool RequestPacer::waitUntilClear(const std::atomic<bool> *cancel, qint64 maxMs)
{
    QDeadlineTimer max = maxMs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(maxMs);
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

GateState RequestPacer::state() const
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    GateState s;
    if (t < m_bannedUntil) {
        s.reason = GateState::Reason::Banned;
        s.untilMs = m_bannedUntil;
    } else if (t < m_pausedUntil) {
        s.reason = GateState::Reason::RateLimited;
        s.untilMs = m_pausedUntil;
    } else {
        // Without expiring (const): an entry past its interval only makes this later.
        const qint64 at = nextAllowedLocked(1, t);
        if (at > t) {
            s.reason = GateState::Reason::Budget;
            s.untilMs = at;
            s.text = QStringLiteral("%1: waiting for budget until %2").arg(m_limits.provider, clockText(at));
        }
        return s;
    }
    s.text = blockedReasonLocked(t);
    return s;
}

QList<RateLimit> RequestPacer::limitsInForce() const
{
    QMutexLocker lock(&m_mutex);
    QList<RateLimit> out;
    for (const Window &w : m_windows)
        out.append(w.limit);
    return out;
}

GateStats RequestPacer::stats() const
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    GateStats s = m_stats;
    s.inFlight = int(m_inFlight.size());
    s.bannedUntilMs = m_bannedUntil;
    s.pausedUntilMs = m_pausedUntil;
    s.budget = 0;
    for (const Window &w : m_windows) {
        qint64 used = 0;
        for (const Sent &e : w.sent)
            if (e.t + w.limit.intervalMs > t)
                used += w.units(e.weight);
        if (w.external > 0 && t < w.externalUntil)
            used += w.external;
        LimitUsage u;
        u.limit = w.limit;
        u.budget = budgetOf(w);
        u.used = int(std::min<qint64>(used, std::numeric_limits<int>::max()));
        u.remaining = std::max(0, w.limit.limit - u.used);
        s.limits.append(u);
        if (w.limit.kind == RateLimit::Kind::Weight && (s.budget == 0 || u.budget < s.budget))
            s.budget = u.budget;
    }
    return s;
}

} // namespace barkeep
