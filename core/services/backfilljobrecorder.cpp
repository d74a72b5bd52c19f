// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfilljobrecorder.h"

#include "log/logging.h"

namespace barkeep {

BackfillJobRecorder::BackfillJobRecorder(JobStore *store) : m_store(store)
{
    m_writer.setObjectName(QStringLiteral("backfill-jobs"));
    m_writer.setMaxThreadCount(1);
}

BackfillJobRecorder::~BackfillJobRecorder()
{
    sync();
    m_writer.waitForDone();
}

void BackfillJobRecorder::save(const StoredJob &row)
{
    QMutexLocker lock(&m_mutex);
    m_pending.insert(row.id, row);
    ++m_queued;
    if (!m_draining) {
        m_draining = true;
        m_writer.start([this] { drain(); });
    }
}

void BackfillJobRecorder::sync()
{
    QMutexLocker lock(&m_mutex);
    const quint64 until = m_queued;
    while (m_done < until)
        m_written.wait(&m_mutex);
}

void BackfillJobRecorder::drain()
{
    QMutexLocker lock(&m_mutex);
    while (!m_pending.isEmpty()) {
        const QMap<qint64, StoredJob> rows = std::exchange(m_pending, {});
        const quint64 upTo = m_queued; // every row saved so far is in `rows` or replaced by one
        lock.unlock();
        for (const StoredJob &row : rows)
            if (VoidResult ok = m_store->updateJob(row); !ok)
                qCWarning(lcBackfill).noquote() << "cannot save job" << row.id << ok.error().toString();
        lock.relock();
        m_done = upTo;
        m_written.wakeAll();
    }
    m_draining = false;
}

} // namespace barkeep
