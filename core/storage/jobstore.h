// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "model/bar.h"
#include "model/series.h"
#include "model/jobstate.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace barkeep {

// A persisted backfill job: the store keeps them so jobs survive restarts and kill -9.
struct StoredJob
{
    qint64 id = 0;
    SeriesKey series;
    TimeRange range;
    JobState state = JobState::Queued; // stored as jobStateName(state)
    int priority = 0;
    QString error;
    qint64 barsWritten = 0;
    qint64 createdMs = 0;
    qint64 updatedMs = 0;
    QByteArray extra; // JSON: options and counters the manager wants to keep
};

// Where backfill jobs are kept (the BackfillManager's scheduler is the only user).
// Thread-safe like BarStore.
class BARKEEPCORE_EXPORT JobStore
{
public:
    virtual ~JobStore();

    // The new job's id (job.id is ignored).
    virtual Result<qint64> insertJob(const StoredJob &job) = 0;
    // NotFound when no job has job.id.
    virtual VoidResult updateJob(const StoredJob &job) = 0;
    // Every job, by id.
    virtual Result<std::vector<StoredJob>> jobs() = 0;
};

} // namespace barkeep
