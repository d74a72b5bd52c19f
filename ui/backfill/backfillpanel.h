// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/jobstate.h"

#include <QThreadPool>
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace barkeep {
class BackfillManager;
}

namespace barkeep::ui {

class BackfillJobModel;

// The backfill jobs dock: the job table with progress bars and pause / resume / cancel for
// the selected jobs. Commands go to the manager on a worker thread (they write the store).
class BackfillPanel : public QWidget
{
    Q_OBJECT

public:
    explicit BackfillPanel(QWidget *parent = nullptr);

    void setManager(BackfillManager *manager);
    BackfillJobModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *resumeButton() const { return m_resume; }
    QPushButton *cancelButton() const { return m_cancel; }

    enum class Command { Pause, Resume, Cancel };
    // Applies a command to the selected jobs.
    void apply(Command command);

signals:
    void statusMessage(const QString &text);

private:
    // Own workers: store and provider calls may block for seconds, and the destructor waits
    // for them so no task outlives the services it uses.
    QThreadPool m_pool;
    void updateButtons();
    QList<qint64> selectedJobs(const QList<JobState> &states) const;

    BackfillJobModel *m_model;
    QTableView *m_view;
    QPushButton *m_pause;
    QPushButton *m_resume;
    QPushButton *m_cancel;
    QLabel *m_summary;
};

} // namespace barkeep::ui
