// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backfillmanager.h"
#include "model/bar.h"
#include "model/series.h"
#include "plugin/marketplugin.h"
#include "util/result.h"

#include <QString>

#include <atomic>
#include <functional>

namespace barkeep {

class BarCache;
class BarStore;
class MarketService;

// One piece of a backfill plan: a REST range or an archive month.
struct BackfillChunk
{
    TimeRange range;
    bool archive = false;
};

// What the manager granted a chunk: the range to fetch now (its part nobody else fetches)
// and what is held for it in the store until the chunk ends.
struct ChunkClaim
{
    TimeRange fetch;       // what to fetch now (empty: nothing)
    TimeRange held;        // what is held for it (empty: nothing)
    bool deferred = false; // another process holds some of the asked range
};

// What one chunk came to, as one value.
struct ChunkOutcome
{
    enum class Result { Stored, Skipped, Failed, Aborted, Replaced, Deferred };
    Result result = Result::Aborted;
    QString reason;        // why it failed, or why the archive was replaced by REST
    TimeRange stored;      // what was committed (Stored; empty when nothing was covered)
    qint64 written = 0;    // bars written (Stored)
    bool deferred = false; // another process holds part of the chunk
};

// Fetches one chunk with bounded retries (backoff with jitter for transient errors, waits
// out rate limits and bans through the provider's pacer) and commits its bars and coverage in
// one write. Runs on a backfill pool thread; everything it needs of the manager (the claim,
// the wait reason, usage counters, a cancellable pause) comes through Hooks, called on that
// thread. Holds no state between chunks.
class BackfillChunkRunner
{
public:
    struct Job
    {
        qint64 id = 0;
        SeriesKey series;
        ProviderInfo provider;
        const std::atomic<bool> *abort = nullptr; // set when the job is paused, cancelled or stopped
    };
    struct Hooks
    {
        std::function<Result<ChunkClaim>()> claim;             // the chunk's range, claimed
        std::function<void(TimeRange held)> release;           // after the commit or failure
        std::function<void(const QString &reason)> setWaitReason;
        std::function<void(qint64 requests, qint64 weight)> addUsage;
        std::function<bool(qint64 ms)> pauseFor;               // false when aborted
    };

    BackfillChunkRunner(MarketService *market, BarStore *store, BarCache *cache)
        : m_market(market), m_store(store), m_cache(cache)
    {}

    ChunkOutcome run(const Job &job, const BackfillChunk &chunk, const BackfillTuning &tuning,
                     const Hooks &hooks) const;

private:
    MarketService *m_market;
    BarStore *m_store;
    BarCache *m_cache;
};

} // namespace barkeep
