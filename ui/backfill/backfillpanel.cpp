// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillpanel.h"
#include "util/whenfinished.h"

#include "backfilljobmodel.h"
#include "progressdelegate.h"
#include "services/backfillmanager.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace barkeep::ui {

BackfillPanel::BackfillPanel(QWidget *parent)
    : QWidget(parent)
{
    m_model = new BackfillJobModel(this);
    m_view = new QTableView;
    m_view->setModel(m_model);
    m_view->setItemDelegateForColumn(BackfillJobModel::Progress, new ProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->resizeSection(BackfillJobModel::Series, 140);
    m_view->horizontalHeader()->resizeSection(BackfillJobModel::Range, 245);
    m_view->horizontalHeader()->resizeSection(BackfillJobModel::State, 80);
    m_view->horizontalHeader()->resizeSection(BackfillJobModel::Progress, 120);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);

    m_pause
        = new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause"));
    m_resume
        = new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("Res&ume"));
    m_cancel = new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Cancel job"));
    m_summary = new QLabel;
    connect(m_pause, &QPushButton::clicked, this, [this] { apply(Command::Pause); });
    connect(m_resume, &QPushButton::clicked, this, [this] { apply(Command::Resume); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { apply(Command::Cancel); });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_pause);
    buttons->addWidget(m_resume);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_summary);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_view, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &BackfillPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &BackfillPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &BackfillPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &BackfillPanel::updateButtons);
    updateButtons();
}

void BackfillPanel::setManager(BackfillManager *manager)
{
    m_model->setManager(manager);
    setEnabled(manager != nullptr);
    if (!manager)
        m_summary->setText(tr("Backfill is not available."));
}

QList<qint64> BackfillPanel::selectedJobs(const QList<JobState> &states) const
{
    QList<qint64> ids;
    for (const QModelIndex &i : m_view->selectionModel()->selectedRows()) {
        const BackfillJobInfo job = m_model->jobAt(i.row());
        if (states.contains(job.state))
            ids.append(job.id);
    }
    return ids;
}

void BackfillPanel::apply(Command command)
{
    BackfillManager *manager = m_model->manager();
    if (!manager)
        return;
    const QList<JobState> active{JobState::Queued, JobState::Running};
    QList<qint64> ids;
    switch (command) {
    case Command::Pause:
        ids = selectedJobs(active);
        break;
    case Command::Resume:
        ids = selectedJobs({JobState::Paused, JobState::Failed});
        break;
    case Command::Cancel:
        ids = selectedJobs(active + QList<JobState>{JobState::Paused});
        break;
    }
    if (ids.isEmpty())
        return;
    runAsync(
        &m_pool, this,
        [manager, ids, command] {
            QStringList errors;
            for (qint64 id : ids) {
                VoidResult r = command == Command::Pause    ? manager->pause(id)
                               : command == Command::Resume ? manager->resume(id)
                                                            : manager->cancel(id);
                if (!r)
                    errors.append(r.error().userMessage());
            }
            return errors.join(QLatin1Char('\n'));
        },
        [this](const QString &errors) {
            if (!errors.isEmpty())
                emit statusMessage(errors);
        });
}

void BackfillPanel::updateButtons()
{
    const QList<JobState> active{JobState::Queued, JobState::Running};
    m_pause->setEnabled(!selectedJobs(active).isEmpty());
    m_resume->setEnabled(
        !selectedJobs({JobState::Paused, JobState::Failed}).isEmpty());
    m_cancel->setEnabled(!selectedJobs(active + QList<JobState>{JobState::Paused}).isEmpty());
    int running = 0;
    int queued = 0;
    double rate = 0;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const BackfillJobInfo j = m_model->jobAt(r);
        if (j.state == JobState::Running) {
            ++running;
            rate += j.barsPerSecond;
        } else if (j.state == JobState::Queued) {
            ++queued;
        }
    }
    if (m_model->manager())
        m_summary->setText(tr("%1 running, %2 queued, %3 bars/s")
                               .arg(running)
                               .arg(queued)
                               .arg(QLocale().toString(rate, 'f', 0)));
}

} // namespace barkeep::ui
