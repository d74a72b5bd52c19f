// SPDX-License-Identifier: GPL-3.0-or-later
// Over 700 lines: scheduling, the in-process in-flight registry, the signal outbox and job
// persistence still share one Private under one mutex (the chunk runner and the claim keeper
// are their own classes); separating the scheduler from the outbox is the next step.
#include "backfillmanager.h"

#include "backfillchunkrunner.h"
#include "backfillclaimkeeper.h"
#include "backfillplanner.h"
#include "cache/barcache.h"
#include "log/logging.h"
#include "marketservice.h"
#include "requestpacer.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QPointer>
#include <QRandomGenerator>
#include <QRecursiveMutex>
#include <QThread>
#include <QThreadPool>
#include <QTimeZone>
#include <QTimer>
#include <QWaitCondition>

#include <algorithm>
#include <atomic>
#include <deque>

namespace barkeep {

namespace {
constexpr qint64 kEmitIntervalMs = 100;   // jobChanged at most ~10/s per job
constexpr qint64 kPersistIntervalMs = 1000; // counters to the store at most 1/s per job

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

bool overlaps(TimeRange a, TimeRange b)
{
    return a.from < b.to && b.from < a.to;
}

} // namespace

struct BackfillJob
{
    BackfillJobInfo info;
    BackfillOptions options;
    qint64 createdMs = 0;
    ProviderInfo provider;
    std::deque<BackfillChunk> pending;
    bool planned = false;
    bool planning = false;
    int running = 0;       // chunk tasks in flight
    int generation = 0;    // bumped by pause/cancel/stop: older tasks' results are dropped
    std::atomic<bool> abort{false};
    QStringList failures;  // reasons of failed chunks
    // This session's observed rate (since the job last started running).
    qint64 sessionStartMs = 0;
    qint64 sessionBars = 0;
    int sessionChunks = 0;
    qint64 lastEmitMs = 0;
    qint64 lastPersistMs = 0;
    bool dirty = false;
    QString waitReason;    // "banned by binance until ..." while a chunk waits
    // Another process held part of a chunk: once this plan is through, plan again (from the
    // ledger) at replanAtMs instead of finishing.
    bool deferred = false;
    qint64 replanAtMs = 0;
};

class BackfillManager::Private
{
public:
    BackfillManager *q;
    Store *store;
    BarCache *cache;
    MarketService *market;
    Config config;
    BackfillTuning tuning;
    QThreadPool pool;
    int maxConcurrentJobs = 2;

    mutable QMutex mutex;
    QWaitCondition changed;
    QMap<qint64, std::shared_ptr<BackfillJob>> jobs;
    QHash<QString, int> runningPerProvider;
    // The per-series in-flight registry: two jobs never fetch the same minutes at once, and a
    // chunk re-checks the gaps once the overlapping fetch is committed.
    QHash<SeriesKey, std::vector<TimeRange>> inFlight;
    bool started = false;
    bool stopping = false;


    QRecursiveMutex emitMutex;
    QList<BackfillJobInfo> outbox;
    QTimer *flushTimer = nullptr;
    BackfillChunkRunner runner;
    // This manager's fetch claims in the store. Last member: destroyed (its renewal waited
    // for) first.
    BackfillClaimKeeper claims;

    Private(BackfillManager *owner, Store *s, BarCache *c, MarketService *m, const Config &cfg)
        : q(owner), store(s), cache(c), market(m), config(cfg), runner(m, s, c), claims(s)
    {
        pool.setObjectName(QStringLiteral("backfill"));
        pool.setMaxThreadCount(tuning.maxThreads);
        pool.setExpiryTimeout(30'000);
        maxConcurrentJobs = int(std::max<qint64>(1, cfg.integer(QStringLiteral("backfill.maxConcurrentJobs"))));
        if (!cfg.contains(QStringLiteral("backfill.maxConcurrentJobs")))
            maxConcurrentJobs = 2;
    }

    // --- bookkeeping (mutex held) ---------------------------------------------------------

    BackfillJobInfo snapshotLocked(BackfillJob &job) const
    {
        BackfillJobInfo i = job.info;
        const int finished = i.chunksDone + i.chunksFailed;
        if (i.state == JobState::Done)
            i.progress = 1;
        else if (i.chunksTotal > 0)
            i.progress = std::clamp(double(finished) / i.chunksTotal, 0.0, 1.0);
        i.barsPerSecond = 0;
        i.etaMs = -1;
        if (i.state == JobState::Running && job.sessionStartMs > 0) {
            const qint64 elapsed = std::max<qint64>(1, nowMs() - job.sessionStartMs);
            i.barsPerSecond = job.sessionBars * 1000.0 / elapsed;
            if (job.sessionChunks > 0 && i.chunksTotal > 0) {
                const int left = std::max(0, i.chunksTotal - finished);
                i.etaMs = qint64(double(left) * elapsed / job.sessionChunks);
            }
        }
        if (!job.waitReason.isEmpty() && i.state == JobState::Running)
            i.error = job.waitReason;
        return i;
    }

    // Queues a jobChanged; `force` for state changes, else at most every kEmitIntervalMs.
    void touchLocked(BackfillJob &job, bool force)
    {
        const qint64 t = nowMs();
        if (force || t - job.lastEmitMs >= kEmitIntervalMs) {
            job.lastEmitMs = t;
            job.dirty = false;
            outbox.append(snapshotLocked(job));
        } else {
            job.dirty = true;
        }
        if (force || t - job.lastPersistMs >= kPersistIntervalMs)
            persistLocked(job);
    }

    StoredJob storedLocked(const BackfillJob &job) const
    {
        StoredJob s;
        s.id = job.info.id;
        s.series = job.info.series;
        s.range = job.info.range;
        s.state = job.info.state;
        s.priority = job.info.priority;
        s.error = job.info.error;
        s.barsWritten = job.info.barsWritten;
        s.createdMs = job.createdMs;
        s.updatedMs = nowMs();
        const QJsonObject extra{
            {QStringLiteral("recheckEmpty"), job.options.recheckEmpty},
            {QStringLiteral("useArchive"), job.options.useArchive},
            {QStringLiteral("chunksDone"), job.info.chunksDone},
            {QStringLiteral("chunksFailed"), job.info.chunksFailed},
            {QStringLiteral("requests"), double(job.info.requests)},
            {QStringLiteral("weightUsed"), double(job.info.weightUsed)},
        };
        s.extra = QJsonDocument(extra).toJson(QJsonDocument::Compact);
        return s;
    }

    void persistLocked(BackfillJob &job)
    {
        job.lastPersistMs = nowMs();
        if (VoidResult ok = store->updateJob(storedLocked(job)); !ok)
            qCWarning(lcBackfill).noquote() << "cannot save job" << job.info.id << ok.error().toString();
    }

    void setStateLocked(BackfillJob &job, JobState state)
    {
        if (job.info.state == state)
            return;
        qCInfo(lcBackfill).noquote() << "job" << job.info.id << job.info.series.toString()
                                     << jobStateName(job.info.state) << "->" << jobStateName(state);
        if (state == JobState::Running) {
            job.sessionStartMs = nowMs();
            job.sessionBars = 0;
            job.sessionChunks = 0;
        }
        job.info.state = state;
        touchLocked(job, true);
    }

    void emitPending()
    {
        QMutexLocker emitLock(&emitMutex);
        QList<BackfillJobInfo> out;
        {
            QMutexLocker lock(&mutex);
            out.swap(outbox);
        }
        for (const BackfillJobInfo &i : out)
            emit q->jobChanged(i);
    }

    // The flush timer's slot: the manager's thread only.
    void flushDirty()
    {
        Q_ASSERT(QThread::currentThread() == q->thread());
        {
            QMutexLocker lock(&mutex);
            const qint64 t = nowMs();
            bool replan = false;
            for (auto &job : jobs) {
                if (job->info.state == JobState::Running && t - job->lastEmitMs >= kEmitIntervalMs)
                    job->dirty = true; // the rate and ETA move even without a finished chunk
                if (job->dirty && t - job->lastEmitMs >= kEmitIntervalMs)
                    touchLocked(*job, false);
                replan |= job->info.state == JobState::Running && !job->planned
                    && !job->planning && job->replanAtMs > 0 && t >= job->replanAtMs;
            }
            if (replan)
                scheduleLocked();
            claims.renewIfDue(t, tuning.claimTtlMs);
        }
        emitPending();
    }

    // Chunk tasks per provider: twice its request slots. A chunk holds its task while it
    // parses the answer and commits it; were tasks capped at the request slots, every slot
    // would sit idle for that time (profiled: the klines parse is most of a chunk's CPU, so
    // 8 tasks kept only ~5 requests in flight at 80 ms latency). The spare tasks wait in the
    // provider's pacer, which alone bounds the requests in flight.
    int providerConcurrency(const BackfillJob &job) const
    {
        return 2 * std::max(1, job.provider.maxConcurrency);
    }

    // Starts whatever may run now: jobs by priority (higher first, then older), chunks while
    // their provider has a free slot. Mutex held.
    void scheduleLocked()
    {
        // A job that finishes frees a slot for a queued one: go round until nothing changes.
        while (scheduleOnceLocked()) {
        }
    }

    bool scheduleOnceLocked()
    {
        if (!started || stopping)
            return false;
        bool finishedOne = false;
        QList<std::shared_ptr<BackfillJob>> order;
        for (auto &job : jobs)
            if (job->info.state == JobState::Queued || job->info.state == JobState::Running)
                order.append(job);
        std::stable_sort(order.begin(), order.end(), [](const auto &a, const auto &b) {
            if (a->info.priority != b->info.priority)
                return a->info.priority > b->info.priority;
            return a->info.id < b->info.id;
        });
        int active = 0;
        for (const auto &job : order)
            active += job->info.state == JobState::Running ? 1 : 0;
        for (const auto &job : order) {
            if (job->info.state == JobState::Queued) {
                if (active >= maxConcurrentJobs)
                    continue;
                ++active;
                job->planned = false;
                job->deferred = false;
                job->replanAtMs = 0;
                setStateLocked(*job, JobState::Running);
            }
            if (!job->planned) {
                if (!job->planning && nowMs() >= job->replanAtMs) {
                    job->planning = true;
                    const int gen = job->generation;
                    pool.start([this, job, gen] { plan(job, gen); });
                }
                continue;
            }
            int &providerBusy = runningPerProvider[job->info.series.provider];
            while (!job->pending.empty() && providerBusy < providerConcurrency(*job)) {
                const BackfillChunk chunk = job->pending.front();
                job->pending.pop_front();
                ++job->running;
                ++providerBusy;
                const int gen = job->generation;
                pool.start([this, job, chunk, gen] { runChunk(job, chunk, gen); });
            }
            if (job->pending.empty() && job->running == 0) {
                if (job->deferred) {
                    // Another process holds some of it: plan again later from the ledger,
                    // which by then has what that process stored (or its claim expired).
                    job->deferred = false;
                    job->planned = false;
                    job->replanAtMs = nowMs() + std::max(1, tuning.claimRetryMs);
                    job->waitReason = QStringLiteral("another process is fetching part of this range");
                    touchLocked(*job, true);
                    continue;
                }
                finishLocked(*job);
                finishedOne = true;
            }
        }
        return finishedOne;
    }

    void finishLocked(BackfillJob &job)
    {
        job.waitReason.clear();
        if (job.info.chunksFailed > 0) {
            job.info.error = QStringLiteral("%1 of %2 chunks failed: %3")
                                 .arg(job.info.chunksFailed)
                                 .arg(job.info.chunksTotal)
                                 .arg(job.failures.value(0));
            setStateLocked(job, JobState::Failed);
        } else {
            job.info.error.clear();
            setStateLocked(job, JobState::Done);
        }
    }

    // --- worker side ----------------------------------------------------------------------

    void plan(std::shared_ptr<BackfillJob> job, int gen)
    {
        claims.reapDeadOwners();
        const SeriesKey series = job->info.series;
        Result<std::vector<BackfillChunk>> planned = [&]() -> Result<std::vector<BackfillChunk>> {
            Result<TimeRanges> todo = BackfillPlanner::todo(store, series, job->info.range,
                                                            job->options.recheckEmpty, nowMs());
            if (!todo)
                return todo.error();
            std::vector<BackfillChunk> out;
            // The bulk archive holds 1m klines only.
            const bool archive = job->options.useArchive && job->provider.archive
                && series.timeframe == QLatin1String("1m");
            for (const BackfillPlanner::Piece &p :
                 BackfillPlanner::split(*todo, chunkMinutes(*job), archive, nowMs()))
                out.push_back({p.range, p.archive});
            return out;
        }();
        {
            QMutexLocker lock(&mutex);
            job->planning = false;
            if (gen == job->generation && job->info.state == JobState::Running) {
                if (!planned) {
                    job->info.error = planned.error().message();
                    job->info.chunksFailed = 0;
                    setStateLocked(*job, JobState::Failed);
                } else {
                    job->pending.assign(planned->begin(), planned->end());
                    job->planned = true;
                    job->failures.clear();
                    job->info.chunksFailed = 0;
                    job->info.chunksTotal = job->info.chunksDone + int(job->pending.size());
                    job->info.error.clear();
                    job->waitReason.clear();
                    qCInfo(lcBackfill).noquote()
                        << "job" << job->info.id << "planned" << job->pending.size() << "chunks";
                    touchLocked(*job, true);
                }
            }
            scheduleLocked();
        }
        emitPending();
    }

    static int chunkMinutes(const BackfillJob &job)
    {
        return BackfillPlanner::chunkMinutes(job.provider, job.info.series.timeframe);
    }

    using Outcome = ChunkOutcome::Result;

    // Waits (cancellable) for the minutes of `range` no other chunk of this process is
    // fetching, claims them in the store against other processes, then returns what of the
    // granted part is still to fetch (its hull), registered as in flight. `whole` (an archive
    // month) is all or nothing. release() and claims.release() undo it.
    Result<ChunkClaim> claim(const BackfillJob &job, TimeRange range, bool whole)
    {
        const SeriesKey &series = job.info.series;
        {
            QMutexLocker lock(&mutex);
            for (;;) {
                if (job.abort.load())
                    return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
                const std::vector<TimeRange> &busy = inFlight[series];
                const bool clash = std::any_of(busy.begin(), busy.end(),
                                               [&](TimeRange r) { return overlaps(r, range); });
                if (!clash)
                    break;
                changed.wait(&mutex, QDeadlineTimer(50));
            }
            inFlight[series].push_back(range); // narrowed below, once known
        }
        ChunkClaim out;
        auto narrow = [&](TimeRange to) {
            QMutexLocker lock(&mutex);
            auto &busy = inFlight[series];
            const auto it = std::find(busy.begin(), busy.end(), range);
            if (it != busy.end()) {
                if (to.isEmpty())
                    busy.erase(it);
                else
                    *it = to;
            }
            changed.wakeAll();
        };
        Result<TimeRanges> granted = claims.claim(series, range, tuning.claimTtlMs, nowMs());
        if (!granted) {
            narrow({});
            return granted.error();
        }
        TimeRange piece = granted->empty() ? TimeRange{} : granted->front();
        if (whole && piece != range)
            piece = {};
        for (const TimeRange &g : *granted)
            if (g != piece)
                claims.release(series, g, false);
        out.deferred = piece != range;
        if (piece.isEmpty()) {
            narrow({});
            return out;
        }
        out.held = piece;
        claims.hold();
        // The whole piece stays registered here until released: another chunk of this
        // process claiming inside it would share this owner's claim rows, which the release
        // of this piece drops.
        narrow(piece);
        // Re-checked now that it is ours, right before fetching: another job or process may
        // have filled it meanwhile.
        Result<TimeRanges> todo = BackfillPlanner::todo(store, series, piece, job.options.recheckEmpty,
                                                        nowMs());
        if (!todo || todo->empty()) {
            claims.release(series, piece, true);
            release(series, piece);
            if (!todo)
                return todo.error();
            out.held = {};
            return out;
        }
        out.fetch = whole ? piece : TimeRange{todo->front().from, todo->back().to};
        return out;
    }

    void release(const SeriesKey &series, TimeRange range)
    {
        QMutexLocker lock(&mutex);
        auto &busy = inFlight[series];
        const auto it = std::find(busy.begin(), busy.end(), range);
        if (it != busy.end())
            busy.erase(it);
        changed.wakeAll();
    }

    // Waits up to `ms` unless the job is aborted; false when aborted.
    bool pauseFor(const BackfillJob &job, qint64 ms)
    {
        QDeadlineTimer deadline(ms);
        QMutexLocker lock(&mutex);
        while (!job.abort.load() && !deadline.hasExpired())
            changed.wait(&mutex, QDeadlineTimer(std::min<qint64>(50, deadline.remainingTime())));
        return !job.abort.load();
    }

    void setWaitReason(BackfillJob &job, const QString &reason)
    {
        {
            QMutexLocker lock(&mutex);
            if (job.waitReason == reason)
                return;
            job.waitReason = reason;
            touchLocked(job, true);
        }
        emitPending();
    }

    void addUsage(BackfillJob &job, qint64 requests, qint64 weight)
    {
        QMutexLocker lock(&mutex);
        job.info.requests += requests;
        job.info.weightUsed += weight;
    }

    // The chunk runner on this job, its hooks wired to the manager.
    ChunkOutcome fetchChunk(BackfillJob &job, const BackfillChunk &chunk)
    {
        BackfillTuning t;
        {
            QMutexLocker lock(&mutex);
            t = tuning;
        }
        const BackfillChunkRunner::Job j{job.info.id, job.info.series, job.provider, &job.abort};
        const SeriesKey series = job.info.series;
        BackfillChunkRunner::Hooks hooks;
        hooks.claim = [&] { return claim(job, chunk.range, chunk.archive); };
        hooks.release = [this, series](TimeRange held) {
            claims.release(series, held, true);
            release(series, held);
        };
        hooks.setWaitReason = [&](const QString &reason) { setWaitReason(job, reason); };
        hooks.addUsage = [&](qint64 requests, qint64 weight) { addUsage(job, requests, weight); };
        hooks.pauseFor = [&](qint64 ms) { return pauseFor(job, ms); };
        return runner.run(j, chunk, t, hooks);
    }

    void runChunk(std::shared_ptr<BackfillJob> job, BackfillChunk chunk, int gen)
    {
        const ChunkOutcome result = job->abort.load() ? ChunkOutcome{} : fetchChunk(*job, chunk);
        const Outcome outcome = result.result;
        const QString &reason = result.reason;
        const TimeRange stored = result.stored;
        const qint64 written = result.written;
        const bool deferred = result.deferred;
        if (outcome == Outcome::Stored && !stored.isEmpty())
            emit q->chunkStored(job->info.series, stored);
        {
            QMutexLocker lock(&mutex);
            --job->running;
            --runningPerProvider[job->info.series.provider];
            const bool current = gen == job->generation;
            if (deferred && current)
                job->deferred = true;
            switch (outcome) {
            case Outcome::Stored:
            case Outcome::Skipped:
                if (current) { // a chunk of an older plan is counted by the new plan
                    ++job->info.chunksDone;
                    ++job->sessionChunks;
                }
                job->info.barsWritten += written;
                job->sessionBars += written;
                break;
            case Outcome::Failed:
                if (!current)
                    break;
                ++job->info.chunksFailed;
                job->failures.append(QStringLiteral("%1: %2")
                                         .arg(QDateTime::fromMSecsSinceEpoch(chunk.range.from, Qt::UTC)
                                                  .toString(Qt::ISODate),
                                              reason));
                qCWarning(lcBackfill).noquote() << "job" << job->info.id << "chunk failed:" << job->failures.last();
                break;
            case Outcome::Replaced: {
                qCInfo(lcBackfill).noquote() << "job" << job->info.id << "archive unavailable, REST instead:" << reason;
                if (current && job->info.state == JobState::Running) {
                    const auto pieces = BackfillPlanner::split({chunk.range}, chunkMinutes(*job), false, nowMs());
                    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it)
                        job->pending.push_front({it->range, false});
                    job->info.chunksTotal += int(pieces.size()) - 1;
                }
                break;
            }
            case Outcome::Aborted:
            case Outcome::Deferred: // counted by the next plan, or gone from it when covered
                break;
            }
            if (current)
                touchLocked(*job, false);
            changed.wakeAll();
            scheduleLocked();
        }
        emitPending();
    }

    std::shared_ptr<BackfillJob> findLocked(qint64 id) const
    {
        return jobs.value(id);
    }

    // pause(), resume(), cancel(), setPriority(): `change` edits job `id` under the mutex, then
    // what it queued is emitted. NotFound for an unknown id; an error of `change` is returned
    // as is (nothing emitted).
    template <typename Change>
    VoidResult changeJob(qint64 id, Change &&change)
    {
        {
            QMutexLocker lock(&mutex);
            auto job = findLocked(id);
            if (!job)
                return Error(Error::Kind::NotFound, QStringLiteral("no backfill job %1").arg(id));
            if (VoidResult changed = change(*job); !changed)
                return changed;
        }
        emitPending();
        return {};
    }

    // A job whose state does not allow the change asked for.
    static Error conflict(const BackfillJob &job)
    {
        return Error(Error::Kind::Conflict,
                     QStringLiteral("job %1 is %2").arg(job.info.id).arg(jobStateName(job.info.state)));
    }

    // Stops a job's in-flight chunks (they come back Aborted) and forgets its plan.
    void abortLocked(BackfillJob &job)
    {
        job.abort = true;
        ++job.generation;
        job.pending.clear();
        job.planned = false;
        job.deferred = false;
        job.replanAtMs = 0;
        job.waitReason.clear();
        changed.wakeAll();
    }
};

BackfillManager::BackfillManager(Store *store, BarCache *cache, MarketService *market,
                                 const Config &config, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>(this, store, cache, market, config))
{
    qRegisterMetaType<BackfillJobInfo>();
    qRegisterMetaType<SeriesKey>();
    qRegisterMetaType<TimeRange>();
    d->flushTimer = new QTimer(this);
    d->flushTimer->setInterval(int(kEmitIntervalMs));
    connect(d->flushTimer, &QTimer::timeout, this, [this] { d->flushDirty(); });
}

BackfillManager::~BackfillManager()
{
    stop();
}

void BackfillManager::setTuning(const BackfillTuning &tuning)
{
    QMutexLocker lock(&d->mutex);
    d->tuning = tuning;
    d->tuning.maxAttempts = std::max(1, tuning.maxAttempts);
    d->pool.setMaxThreadCount(std::max(2, tuning.maxThreads));
}

VoidResult BackfillManager::start()
{
    Q_ASSERT(QThread::currentThread() == thread()); // it starts the flush timer
    if (!d->store)
        return Error(Error::Kind::Internal, QStringLiteral("backfill without a store"));
    {
        QMutexLocker lock(&d->mutex);
        if (d->started)
            return {};
    }
    // Stock series: minutes outside the provider's sessions are not gaps.
    QPointer<MarketService> market = d->market;
    d->store->setSessionCalendar([market](const SeriesKey &s, TimeRange r) -> TimeRanges {
        if (s.market != QLatin1String("stocks") || !market)
            return {r};
        Result<std::shared_ptr<MarketPlugin>> p = market->plugin(s.market, s.provider);
        if (!p)
            return {r};
        Result<TimeRanges> sessions = (*p)->sessions(s.symbol, r);
        return sessions ? *sessions : TimeRanges{r};
    });

    Result<std::vector<StoredJob>> stored = d->store->jobs();
    if (!stored)
        return stored.error();
    {
        QMutexLocker lock(&d->mutex);
        for (const StoredJob &s : *stored) {
            if (d->jobs.contains(s.id))
                continue;
            auto job = std::make_shared<BackfillJob>();
            job->info.id = s.id;
            job->info.series = s.series;
            job->info.range = s.range;
            job->info.priority = s.priority;
            job->info.error = s.error;
            job->info.barsWritten = s.barsWritten;
            job->createdMs = s.createdMs;
            const QJsonObject extra = QJsonDocument::fromJson(s.extra).object();
            job->options.recheckEmpty = extra.value(QStringLiteral("recheckEmpty")).toBool(false);
            job->options.useArchive = extra.value(QStringLiteral("useArchive")).toBool(true);
            job->info.chunksDone = extra.value(QStringLiteral("chunksDone")).toInt();
            job->info.chunksFailed = extra.value(QStringLiteral("chunksFailed")).toInt();
            job->info.requests = qint64(extra.value(QStringLiteral("requests")).toDouble());
            job->info.weightUsed = qint64(extra.value(QStringLiteral("weightUsed")).toDouble());
            job->info.chunksTotal = job->info.chunksDone + job->info.chunksFailed;
            // queued or running when the last process ended (stop, crash, kill -9): resume.
            job->info.state = isFinished(s.state) || s.state == JobState::Paused
                ? s.state
                : JobState::Queued;
            if (d->market && d->market->registry())
                if (auto info = d->market->registry()->provider(s.series.market, s.series.provider))
                    job->provider = *info;
            d->jobs.insert(s.id, job);
        }
        d->started = true;
        d->stopping = false;
        d->scheduleLocked();
    }
    d->flushTimer->start();
    d->emitPending();
    return {};
}

void BackfillManager::stop()
{
    Q_ASSERT(QThread::currentThread() == thread()); // it stops the flush timer
    {
        QMutexLocker lock(&d->mutex);
        if (!d->started)
            return;
        d->stopping = true;
        for (auto &job : d->jobs)
            if (job->info.state == JobState::Running || job->info.state == JobState::Queued)
                d->abortLocked(*job);
    }
    d->pool.waitForDone();
    d->claims.waitForDone();
    {
        QMutexLocker lock(&d->mutex);
        for (auto &job : d->jobs) {
            if (job->info.state == JobState::Running) {
                job->info.state = JobState::Queued;
                d->touchLocked(*job, true);
            }
            job->abort = false;
        }
        d->started = false;
        d->stopping = false;
    }
    d->flushTimer->stop();
    d->emitPending();
}

Result<qint64> BackfillManager::submit(const SeriesKey &series, TimeRange range, int priority,
                                       const BackfillOptions &options)
{
    // A job fetches one timeframe's own candles (1m unless named) into that series.
    SeriesKey key = series.timeframe.isEmpty() ? series.withTimeframe(QStringLiteral("1m")) : series;
    if (key.provider.isEmpty() || key.symbol.isEmpty() || key.market.isEmpty())
        return Error(Error::Kind::BadInput, QStringLiteral("a backfill needs a market, provider and symbol"));
    // Whole buckets only: the ledger counts the timeframe's buckets.
    Result<TimeRange> aligned = BackfillPlanner::alignRange(key.timeframe, range);
    if (!aligned)
        return Error(Error::Kind::BadInput, aligned.error().message());
    range = *aligned;
    if (range.isEmpty())
        return Error(Error::Kind::BadInput, QStringLiteral("the backfill range is empty"));
    ProviderInfo provider;
    if (d->market && d->market->registry()) {
        const auto info = d->market->registry()->provider(key.market, key.provider);
        if (!info)
            return Error(Error::Kind::NotFound,
                         QStringLiteral("unknown provider '%1' in market '%2'").arg(key.provider, key.market));
        provider = *info;
        if (VoidResult reach = BackfillPlanner::checkReach(provider, key, range, nowMs()); !reach)
            return reach.error();
    }
    auto job = std::make_shared<BackfillJob>();
    job->info.series = key;
    job->info.range = range;
    job->info.priority = priority;
    job->info.state = JobState::Queued;
    job->options = options;
    job->provider = provider;
    job->createdMs = nowMs();
    Result<qint64> id = d->store->insertJob(d->storedLocked(*job));
    if (!id)
        return id.error();
    job->info.id = *id;
    qCInfo(lcBackfill).noquote() << "job" << *id << "submitted:" << key.toString() << range.from << range.to;
    {
        QMutexLocker lock(&d->mutex);
        d->jobs.insert(*id, job);
        d->touchLocked(*job, true);
        d->scheduleLocked();
    }
    d->emitPending();
    return *id;
}

VoidResult BackfillManager::pause(qint64 id)
{
    return d->changeJob(id, [&](BackfillJob &job) -> VoidResult {
        if (isFinished(job.info.state))
            return Private::conflict(job);
        if (job.info.state != JobState::Paused) {
            d->abortLocked(job);
            d->setStateLocked(job, JobState::Paused);
            d->scheduleLocked();
        }
        return {};
    });
}

VoidResult BackfillManager::resume(qint64 id)
{
    return d->changeJob(id, [&](BackfillJob &job) -> VoidResult {
        const JobState s = job.info.state;
        if (s == JobState::Done || s == JobState::Cancelled)
            return Private::conflict(job);
        if (s == JobState::Paused || s == JobState::Failed) {
            // A failed job retries its failed chunks: the plan comes from the ledger again.
            job.abort = false;
            job.planned = false;
            job.info.error.clear();
            d->setStateLocked(job, JobState::Queued);
            d->scheduleLocked();
        }
        return {};
    });
}

VoidResult BackfillManager::cancel(qint64 id)
{
    return d->changeJob(id, [&](BackfillJob &job) -> VoidResult {
        if (isFinished(job.info.state))
            return Private::conflict(job);
        d->abortLocked(job);
        d->setStateLocked(job, JobState::Cancelled);
        d->scheduleLocked();
        return {};
    });
}

VoidResult BackfillManager::setPriority(qint64 id, int priority)
{
    return d->changeJob(id, [&](BackfillJob &job) -> VoidResult {
        job.info.priority = priority;
        d->touchLocked(job, true);
        d->scheduleLocked();
        return {};
    });
}

std::optional<BackfillJobInfo> BackfillManager::job(qint64 id) const
{
    QMutexLocker lock(&d->mutex);
    auto job = d->findLocked(id);
    if (!job)
        return std::nullopt;
    return d->snapshotLocked(*job);
}

QList<BackfillJobInfo> BackfillManager::jobs() const
{
    QMutexLocker lock(&d->mutex);
    QList<BackfillJobInfo> out;
    for (const auto &job : d->jobs)
        out.append(d->snapshotLocked(*job));
    return out;
}

} // namespace barkeep
