// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfilljob.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace barkeep {

BackfillJobInfo BackfillJob::snapshot(qint64 nowMs) const
{
    BackfillJobInfo i = info;
    const int finished = i.chunksDone + i.chunksFailed;
    if (i.state == JobState::Done)
        i.progress = 1;
    else if (i.chunksTotal > 0)
        i.progress = std::clamp(double(finished) / i.chunksTotal, 0.0, 1.0);
    i.barsPerSecond = 0;
    i.etaMs = -1;
    if (i.state == JobState::Running && sessionStartMs > 0) {
        const qint64 elapsed = std::max<qint64>(1, nowMs - sessionStartMs);
        i.barsPerSecond = sessionBars * 1000.0 / elapsed;
        if (sessionChunks > 0 && i.chunksTotal > 0) {
            const int left = std::max(0, i.chunksTotal - finished);
            i.etaMs = qint64(double(left) * elapsed / sessionChunks);
        }
    }
    if (!waitReason.isEmpty() && i.state == JobState::Running)
        i.error = waitReason;
    return i;
}

StoredJob BackfillJob::toStored(qint64 nowMs) const
{
    StoredJob s;
    s.id = info.id;
    s.series = info.series;
    s.range = info.range;
    s.state = info.state;
    s.priority = info.priority;
    s.error = info.error;
    s.barsWritten = info.barsWritten;
    s.createdMs = createdMs;
    s.updatedMs = nowMs;
    const QJsonObject extra{
        {QStringLiteral("recheckEmpty"), options.recheckEmpty},
        {QStringLiteral("useArchive"), options.useArchive},
        {QStringLiteral("chunksDone"), info.chunksDone},
        {QStringLiteral("chunksFailed"), info.chunksFailed},
        {QStringLiteral("requests"), double(info.requests)},
        {QStringLiteral("weightUsed"), double(info.weightUsed)},
    };
    s.extra = QJsonDocument(extra).toJson(QJsonDocument::Compact);
    return s;
}

std::shared_ptr<BackfillJob> BackfillJob::fromStored(const StoredJob &s)
{
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
    job->info.state = isFinished(s.state) || s.state == JobState::Paused ? s.state : JobState::Queued;
    return job;
}

} // namespace barkeep
