// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillmanager.h"

#include "backfillchunkrunner.h"
#include "backfillclaimkeeper.h"
#include "backfillinflight.h"
#include "backfilljob.h"
#include "backfilljobrecorder.h"
#include "backfilloutbox.h"
#include "backfillplanner.h"
#include "cache/barcache.h"
#include "log/logging.h"
#include "marketservice.h"
#include "storage/store.h"
#include "util/threadaffinity.h"

#include <QDateTime>
#include <QMap>
#include <QMutex>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>
#include <atomic>

namespace barkeep {

namespace {
constexpr qint64 kEmitIntervalMs = 100;   // jobChanged at most ~10/s per job
constexpr qint64 kPersistIntervalMs = 1000; // counters to the store at most 1/s per job

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

// The scheduler. Its parts, each with one job and one thread rule:
// - the job table (`jobs`, `runningPerProvider`): read and edited under `mutex` from any
//   thread (public methods, the chunk and plan tasks reporting back);
// - scheduling passes (scheduleLocked: which jobs run, which chunks start, which jobs are
//   finished) and the flush timer: the manager's thread only. A task that frees a slot asks
//   for a pass with requestPass(), queued to that thread;
// - the chunk and plan tasks: the backfill pool; fetching is BackfillChunkRunner's, the
//   process-wide in-flight ranges BackfillInFlight's, the store's claims BackfillClaimKeeper's;
// - job rows: BackfillJobRecorder's writer thread;
// - signals: BackfillOutbox, emitted on the manager's thread.
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
    QMap<qint64, std::shared_ptr<BackfillJob>> jobs;
    QHash<QString, int> runningPerProvider;
    bool started = false;
    bool stopping = false;
    std::atomic<bool> passQueued{false};

    QTimer *flushTimer = nullptr;
    BackfillInFlight inFlight;
    BackfillOutbox outbox;
    BackfillJobRecorder recorder;
    BackfillChunkRunner runner;
    // This manager's fetch claims in the store. Last member: destroyed (its renewal waited
    // for) first.
    BackfillClaimKeeper claims;

    Private(BackfillManager *owner, Store *s, BarCache *c, MarketService *m, const Config &cfg)
        : q(owner), store(s), cache(c), market(m), config(cfg), outbox(owner), recorder(s),
          runner(m, s, c), claims(s)
    {
        pool.setObjectName(QStringLiteral("backfill"));
        pool.setMaxThreadCount(tuning.maxThreads);
        pool.setExpiryTimeout(30'000);
        maxConcurrentJobs = int(std::max<qint64>(1, cfg.integer(QStringLiteral("backfill.maxConcurrentJobs"))));
        if (!cfg.contains(QStringLiteral("backfill.maxConcurrentJobs")))
            maxConcurrentJobs = 2;
    }

    bool onOwnerThread() const { return QThread::currentThread() == q->thread(); }

    // --- bookkeeping (mutex held) ---------------------------------------------------------

    // Posts a jobChanged; `force` for state changes, else at most every kEmitIntervalMs. The
    // row goes to the recorder on state changes and at most every kPersistIntervalMs.
    void touchLocked(BackfillJob &job, bool force)
    {
        const qint64 t = nowMs();
        if (force || t - job.lastEmitMs >= kEmitIntervalMs) {
            job.lastEmitMs = t;
            job.dirty = false;
            outbox.post(job.snapshot(t));
        } else {
            job.dirty = true;
        }
        if (force || t - job.lastPersistMs >= kPersistIntervalMs) {
            job.lastPersistMs = t;
            recorder.save(job.toStored(t));
        }
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

    // A public method's edit is done (mutex released): its rows are in the store and, on the
    // manager's thread, its signals emitted when the method returns.
    void delivered()
    {
        recorder.sync();
        if (onOwnerThread())
            outbox.flush();
    }

    // A pass now when on the manager's thread (mutex held), else queued to it.
    void passLocked()
    {
        if (onOwnerThread())
            scheduleLocked();
        else
            requestPass();
    }

    // Any thread, mutex held or not: one pass on the manager's thread soon.
    void requestPass()
    {
        if (passQueued.exchange(true))
            return;
        QMetaObject::invokeMethod(q, [this] {
            passQueued = false;
            {
                QMutexLocker lock(&mutex);
                scheduleLocked();
            }
            outbox.flush();
        }, Qt::QueuedConnection);
    }

    // The flush timer's slot: throttled jobChanged, due replans, claim renewal.
    void flushDirty()
    {
        BARKEEP_ASSERT_THREAD(q);
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
        outbox.flush();
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
    // their provider has a free slot; finishes the jobs with nothing left. The manager's
    // thread only, mutex held.
    void scheduleLocked()
    {
        BARKEEP_ASSERT_THREAD(q);
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
        }
        requestPass();
    }

    static int chunkMinutes(const BackfillJob &job)
    {
        return BackfillPlanner::chunkMinutes(job.provider, job.info.series.timeframe);
    }

    using Outcome = ChunkOutcome::Result;

    void setWaitReason(BackfillJob &job, const QString &reason)
    {
        QMutexLocker lock(&mutex);
        if (job.waitReason == reason)
            return;
        job.waitReason = reason;
        touchLocked(job, true);
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
        hooks.claim = [&] {
            return claims.claimChunk(inFlight, store, series, chunk.range, chunk.archive,
                                     job.options.recheckEmpty, job.abort, t.claimTtlMs);
        };
        hooks.release = [this, series](TimeRange held) { claims.releaseChunk(inFlight, series, held); };
        hooks.setWaitReason = [&](const QString &reason) { setWaitReason(job, reason); };
        hooks.addUsage = [&](qint64 requests, qint64 weight) { addUsage(job, requests, weight); };
        hooks.pauseFor = [&](qint64 ms) { return inFlight.pauseFor(job.abort, ms); };
        return runner.run(j, chunk, t, hooks);
    }

    void runChunk(std::shared_ptr<BackfillJob> job, BackfillChunk chunk, int gen)
    {
        const ChunkOutcome result = job->abort.load() ? ChunkOutcome{} : fetchChunk(*job, chunk);
        if (result.result == Outcome::Stored && !result.stored.isEmpty())
            outbox.post(BackfillOutbox::ChunkStored{job->info.series, result.stored});
        {
            QMutexLocker lock(&mutex);
            --job->running;
            --runningPerProvider[job->info.series.provider];
            const bool current = gen == job->generation;
            if (result.deferred && current)
                job->deferred = true;
            switch (result.result) {
            case Outcome::Stored:
            case Outcome::Skipped:
                if (current) { // a chunk of an older plan is counted by the new plan
                    ++job->info.chunksDone;
                    ++job->sessionChunks;
                }
                job->info.barsWritten += result.written;
                job->sessionBars += result.written;
                break;
            case Outcome::Failed:
                if (!current)
                    break;
                ++job->info.chunksFailed;
                job->failures.append(QStringLiteral("%1: %2")
                                         .arg(QDateTime::fromMSecsSinceEpoch(chunk.range.from, Qt::UTC)
                                                  .toString(Qt::ISODate),
                                              result.reason));
                qCWarning(lcBackfill).noquote() << "job" << job->info.id << "chunk failed:" << job->failures.last();
                break;
            case Outcome::Replaced: {
                qCInfo(lcBackfill).noquote() << "job" << job->info.id << "archive unavailable, REST instead:" << result.reason;
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
        }
        requestPass();
    }

    // pause(), resume(), cancel(), setPriority(): `change` edits job `id` under the mutex, a
    // pass follows, and the method returns once the change is stored (and, on the manager's
    // thread, emitted). NotFound for an unknown id; an error of `change` is returned as is.
    template <typename Change>
    VoidResult changeJob(qint64 id, Change &&change)
    {
        {
            QMutexLocker lock(&mutex);
            auto job = jobs.value(id);
            if (!job)
                return Error(Error::Kind::NotFound, QStringLiteral("no backfill job %1").arg(id));
            if (VoidResult changed = change(*job); !changed)
                return changed;
            passLocked();
        }
        delivered();
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
        inFlight.wakeAll();
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
    BARKEEP_ASSERT_THREAD(this); // it starts the flush timer
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
            std::shared_ptr<BackfillJob> job = BackfillJob::fromStored(s);
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
    d->delivered();
    return {};
}

void BackfillManager::stop()
{
    BARKEEP_ASSERT_THREAD(this); // it stops the flush timer
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
    d->delivered();
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
    // The id comes from the store, so the row is inserted here, on the caller's thread.
    Result<qint64> id = d->store->insertJob(job->toStored(nowMs()));
    if (!id)
        return id.error();
    job->info.id = *id;
    qCInfo(lcBackfill).noquote() << "job" << *id << "submitted:" << key.toString() << range.from << range.to;
    {
        QMutexLocker lock(&d->mutex);
        d->jobs.insert(*id, job);
        d->touchLocked(*job, true);
        d->passLocked();
    }
    d->delivered();
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
        return {};
    });
}

VoidResult BackfillManager::setPriority(qint64 id, int priority)
{
    return d->changeJob(id, [&](BackfillJob &job) -> VoidResult {
        job.info.priority = priority;
        d->touchLocked(job, true);
        return {};
    });
}

std::optional<BackfillJobInfo> BackfillManager::job(qint64 id) const
{
    QMutexLocker lock(&d->mutex);
    auto job = d->jobs.value(id);
    if (!job)
        return std::nullopt;
    return job->snapshot(nowMs());
}

QList<BackfillJobInfo> BackfillManager::jobs() const
{
    QMutexLocker lock(&d->mutex);
    QList<BackfillJobInfo> out;
    for (const auto &job : d->jobs)
        out.append(job->snapshot(nowMs()));
    return out;
}

} // namespace barkeep
