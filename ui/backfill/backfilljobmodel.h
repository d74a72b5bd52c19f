// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "services/backfillmanager.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QThreadPool>

namespace barkeep::ui {

// The backfill jobs as a table: one row per job, newest first, fed by BackfillManager::jobs()
// (which includes jobs kept in the store from before a restart) and kept current by
// jobChanged. GUI thread; the initial jobs() read happens on a worker.
class BackfillJobModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Series, Range, State, Progress, Bars, Rate, Eta, Error, ColumnCount };
    enum Role { JobIdRole = Qt::UserRole + 1, StateRole, ProgressRole };

    explicit BackfillJobModel(QObject *parent = nullptr);

    // Connects to the manager and loads its jobs; null clears the model.
    void setManager(BackfillManager *manager);
    BackfillManager *manager() const { return m_manager; }

    // Replaces all rows (what setManager's load does; tests call it directly).
    void setJobs(const QList<BackfillJobInfo> &jobs);
    // Inserts or updates one job (jobChanged).
    void upsertJob(const BackfillJobInfo &job);

    BackfillJobInfo jobAt(int row) const { return m_jobs.value(row); }
    int rowOfJob(qint64 id) const { return m_rows.value(id, -1); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateText(JobState state);
    static QString durationText(qint64 ms);

signals:
    void loaded();

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    void reindex();

    BackfillManager *m_manager = nullptr;
    QList<BackfillJobInfo> m_jobs;
    QHash<qint64, int> m_rows; // job id → row
    quint64 m_generation = 0;
};

} // namespace barkeep::ui
