// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfilljobmodel.h"
#include "util/whenfinished.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QtConcurrent>

namespace barkeep::ui {

namespace {
QString formatTime(qint64 t)
{
    return QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}
} // namespace

BackfillJobModel::BackfillJobModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    qRegisterMetaType<BackfillJobInfo>();
}

void BackfillJobModel::setManager(BackfillManager *manager)
{
    if (m_manager)
        disconnect(m_manager, nullptr, this, nullptr);
    m_manager = manager;
    const quint64 generation = ++m_generation;
    if (!m_manager) {
        setJobs({});
        return;
    }
    connect(m_manager, &BackfillManager::jobChanged, this, &BackfillJobModel::upsertJob);
    runAsync(
        &m_pool, this, [manager] { return manager->jobs(); },
        [this, generation](const QList<BackfillJobInfo> &jobs) {
            if (generation != m_generation)
                return;
            // jobChanged may have delivered newer states meanwhile: keep those, and add the
            // rest row by row (a reset would drop the user's selection).
            for (const BackfillJobInfo &j : jobs)
                if (rowOfJob(j.id) < 0)
                    upsertJob(j);
            emit loaded();
        });
}

void BackfillJobModel::setJobs(const QList<BackfillJobInfo> &jobs)
{
    beginResetModel();
    m_jobs = jobs;
    std::sort(m_jobs.begin(), m_jobs.end(),
              [](const BackfillJobInfo &a, const BackfillJobInfo &b) { return a.id > b.id; });
    reindex();
    endResetModel();
}

void BackfillJobModel::upsertJob(const BackfillJobInfo &job)
{
    const int row = rowOfJob(job.id);
    if (row >= 0) {
        m_jobs[row] = job;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    // Newest first: a new job (highest id) goes on top; keep the order for older ids.
    int at = 0;
    while (at < m_jobs.size() && m_jobs[at].id > job.id)
        ++at;
    beginInsertRows({}, at, at);
    m_jobs.insert(at, job);
    reindex();
    endInsertRows();
}

void BackfillJobModel::reindex()
{
    m_rows.clear();
    for (int i = 0; i < m_jobs.size(); ++i)
        m_rows.insert(m_jobs[i].id, i);
}

int BackfillJobModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int BackfillJobModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString BackfillJobModel::stateText(JobState state)
{
    switch (state) {
    case JobState::Queued:
        return tr("queued");
    case JobState::Running:
        return tr("running");
    case JobState::Paused:
        return tr("paused");
    case JobState::Done:
        return tr("done");
    case JobState::Failed:
        return tr("failed");
    case JobState::Cancelled:
        return tr("cancelled");
    }
    return QString(jobStateName(state));
}

QString BackfillJobModel::durationText(qint64 ms)
{
    if (ms < 0)
        return tr("unknown");
    const qint64 s = (ms + 999) / 1000;
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QVariant BackfillJobModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BackfillJobInfo &j = m_jobs[index.row()];
    if (role == JobIdRole)
        return j.id;
    if (role == StateRole)
        return QString(jobStateName(j.state));
    if (role == ProgressRole)
        return j.progress;
    const QLocale locale;
    const bool active = j.state == JobState::Running || j.state == JobState::Queued;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Series:
            return QStringLiteral("%1 · %2").arg(j.series.symbol, j.series.provider);
        case Range:
            return tr("%1 – %2").arg(formatTime(j.range.from), formatTime(j.range.to));
        case State:
            return stateText(j.state);
        case Progress:
            return tr("%1 %").arg(locale.toString(j.progress * 100, 'f', 0));
        case Bars:
            return locale.toString(j.barsWritten);
        case Rate:
            return j.state == JobState::Running
                       ? tr("%1 bars/s").arg(locale.toString(j.barsPerSecond, 'f', 0))
                       : QString();
        case Eta:
            return active ? durationText(j.etaMs) : QString();
        case Error:
            return j.error;
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Error && !j.error.isEmpty())
            return j.error;
        return tr("Job %1: %2, %3 of %4 chunks done, %5 failed, %6 requests")
            .arg(j.id)
            .arg(j.series.toString())
            .arg(j.chunksDone)
            .arg(j.chunksTotal)
            .arg(j.chunksFailed)
            .arg(j.requests);
    }
    if (role == Qt::TextAlignmentRole) {
        if (index.column() == Bars || index.column() == Rate || index.column() == Eta)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ForegroundRole && index.column() == Error && !j.error.isEmpty()) {
        if (j.state == JobState::Failed)
            return QBrush(QColor(0xD5, 0x5E, 0x00));
    }
    return {};
}

QVariant BackfillJobModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Series:
        return tr("Series");
    case Range:
        return tr("Range (UTC)");
    case State:
        return tr("State");
    case Progress:
        return tr("Progress");
    case Bars:
        return tr("Bars");
    case Rate:
        return tr("Rate");
    case Eta:
        return tr("ETA");
    case Error:
        return tr("Error");
    }
    return {};
}

} // namespace barkeep::ui
