// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QMutex>

#include <optional>

class QHttpServer;

namespace barkeep {

struct ApiContext;
struct BackfillJobInfo;
struct SeriesKey;
struct TimeRange;

// POST/GET /backfills and GET/PATCH/DELETE /backfills/{id} over BackfillControl (503 while no
// backfill service is wired). Submitting runs on the worker pool (it checks the symbol and
// writes the job to the store).
//
// Every job a client starts costs provider requests and store writes for as long as it runs,
// so POST refuses, before anything is stored: a job whose series and range an unfinished job
// already covers (409, the id of that job in the message), and more than
// kMaxActivePerSeries unfinished jobs of one series or kMaxActive in all (429).
class BackfillsController
{
public:
    static constexpr int kMaxActive = 64;
    static constexpr int kMaxActivePerSeries = 8;

    explicit BackfillsController(ApiContext &ctx) : m_ctx(ctx) {}
    void registerRoutes(QHttpServer &server);

    static constexpr int kMaxPriority = 1000; // PATCH priority: -kMaxPriority..kMaxPriority

    static QJsonObject jobJson(const BackfillJobInfo &job);
    // PATCH /backfills/{id}: {"state": "paused" | "queued", "priority": n}, either or both.
    struct JobPatch
    {
        std::optional<bool> paused;
        std::optional<int> priority;
    };
    BARKEEPCORE_EXPORT static Result<JobPatch> parsePatch(const QByteArray &body);
    // The admission rule above over the manager's job list (queued, running and paused jobs
    // count; done, failed and cancelled ones do not).
    BARKEEPCORE_EXPORT static VoidResult admit(const QList<BackfillJobInfo> &jobs,
                                               const SeriesKey &series, const TimeRange &range);

private:
    ApiContext &m_ctx;
    // Admission and submission in one step, so two POSTs at once cannot both pass the cap.
    QMutex m_submitMutex;
};

} // namespace barkeep
