// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "config/config.h"
#include "model/bar.h"
#include "model/jobstate.h"
#include "model/series.h"
#include "util/result.h"

#include <QList>
#include <QMetaType>
#include <QObject>

#include <optional>

namespace barkeep {

class Store;
class BarCache;
class MarketService;

// A backfill job as the UI and the API see it.
struct BackfillJobInfo
{
    qint64 id = 0;
    SeriesKey series;   // its timeframe is the candles fetched (1m unless named)
    TimeRange range;
    JobState state = JobState::Queued;
    int priority = 0;   // higher first (the range on screen)
    double progress = 0; // 0..1
    qint64 barsWritten = 0;
    int chunksDone = 0;
    int chunksTotal = 0;
    int chunksFailed = 0;
    qint64 requests = 0;
    qint64 weightUsed = 0;
    double barsPerSecond = 0;
    qint64 etaMs = -1;  // -1 = unknown
    QString error;      // why it failed (or why it waits: "banned by binance until ...")
};

struct BackfillOptions
{
    bool recheckEmpty = false; // re-fetch ranges recorded as `empty`
    bool useArchive = true;    // prefer bulk archives (Binance monthly zips) where offered
};

// Retry and threading knobs (tests shorten the backoff).
struct BackfillTuning
{
    int maxAttempts = 5;       // per chunk, for 5xx / network / malformed answers
    int backoffBaseMs = 500;   // doubled per attempt, plus up to 50 % jitter
    int backoffMaxMs = 15'000;
    int maxRateLimitWaits = 50; // 429/418 waits per chunk before it fails
    int maxThreads = 32;       // the dedicated pool (per-provider limits apply inside it)
    // Cross-process fetch claims (ClaimStore::claim()): a claim lives this long unless renewed
    // (renewed every third of it while held), so a process killed -9 blocks its chunks for
    // at most this long; a job whose chunks another process holds plans again after
    // claimRetryMs, from the ledger, so what the other process stored is not fetched again.
    int claimTtlMs = 60'000;
    int claimRetryMs = 1'000;
};

// The seed's BackfillManager: plans chunks from the coverage gaps, sized to the provider's
// max per request, fills them on a dedicated thread pool while pacing every request under
// the provider's limits, commits each chunk's bars and coverage atomically, and keeps jobs
// in the store so they resume after a restart or kill -9. Public methods may be called from
// any thread (start() and stop() on the manager's thread) and return once their change is
// stored; jobChanged and chunkStored are emitted on the manager's thread.
// Pacing is the MarketService's gate: whoever owns the service installs
// RequestPacer::factory() on it (Application::start() does); the manager does not.
// Several processes may share one store: before fetching, a chunk claims its range in the
// store (ClaimStore::claim(), owner = this manager), so a chunk is fetched by one process only;
// the parts another process holds are left for a later plan.
class BARKEEPCORE_EXPORT BackfillManager : public QObject
{
    Q_OBJECT

public:
    BackfillManager(Store *store, BarCache *cache, MarketService *market, const Config &config,
                    QObject *parent = nullptr);
    ~BackfillManager() override;

    // Loads unfinished jobs from the store and resumes them.
    VoidResult start();
    // Stops workers; running jobs are left `queued` in the store so the next start resumes them.
    void stop();

    Result<qint64> submit(const SeriesKey &series, TimeRange range, int priority = 0,
                          const BackfillOptions &options = {});
    VoidResult pause(qint64 id);
    VoidResult resume(qint64 id);
    VoidResult cancel(qint64 id);
    VoidResult setPriority(qint64 id, int priority);
    // Call before start().
    void setTuning(const BackfillTuning &tuning);

    std::optional<BackfillJobInfo> job(qint64 id) const;
    QList<BackfillJobInfo> jobs() const;

signals:
    void jobChanged(const barkeep::BackfillJobInfo &job);
    // Bars of a chunk were committed (the gap map repaints that range).
    void chunkStored(const barkeep::SeriesKey &series, barkeep::TimeRange covered);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace barkeep

Q_DECLARE_METATYPE(barkeep::BackfillJobInfo)
