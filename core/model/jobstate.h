// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLatin1String>
#include <QString>
#include <QStringView>

#include <optional>

namespace barkeep {

// The state of a backfill job. Text only at the edges (JSON of the API, the stored column,
// log lines), through jobStateName() and jobStateFromName(): those names are part of the
// API and of the database, never change them.
enum class JobState {
    Queued,
    Running,
    Paused,
    Done,
    Failed,
    Cancelled,
};

inline QLatin1String jobStateName(JobState s)
{
    switch (s) {
    case JobState::Queued:
        return QLatin1String("queued");
    case JobState::Running:
        return QLatin1String("running");
    case JobState::Paused:
        return QLatin1String("paused");
    case JobState::Done:
        return QLatin1String("done");
    case JobState::Failed:
        return QLatin1String("failed");
    case JobState::Cancelled:
        return QLatin1String("cancelled");
    }
    return QLatin1String("queued");
}

inline std::optional<JobState> jobStateFromName(QStringView name)
{
    for (JobState s : {JobState::Queued, JobState::Running, JobState::Paused, JobState::Done,
                       JobState::Failed, JobState::Cancelled}) {
        if (name == jobStateName(s))
            return s;
    }
    return std::nullopt;
}

// Done, failed or cancelled: nothing will run unless it is resumed (failed) or resubmitted.
inline bool isFinished(JobState s)
{
    return s == JobState::Done || s == JobState::Failed || s == JobState::Cancelled;
}

} // namespace barkeep
