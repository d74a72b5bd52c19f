// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backfillchunkrunner.h"
#include "backfillmanager.h"
#include "storage/jobstore.h"

#include <QStringList>

#include <atomic>
#include <deque>

namespace barkeep {

// One job as the BackfillManager's scheduler keeps it. Every field but `abort` is read and
// written under the scheduler's lock; `abort` is read by the job's chunk tasks without it.
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

    // What the UI and the API see at `nowMs`: progress, rate, ETA, the wait reason.
    BackfillJobInfo snapshot(qint64 nowMs) const;
    // The job's row: options and counters go to `extra` as JSON.
    StoredJob toStored(qint64 nowMs) const;
    // A job of an earlier process; one that was queued or running is queued again.
    static std::shared_ptr<BackfillJob> fromStored(const StoredJob &row);
};

} // namespace barkeep
