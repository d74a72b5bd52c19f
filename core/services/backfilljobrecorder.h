// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storage/jobstore.h"

#include <QMap>
#include <QMutex>
#include <QThreadPool>
#include <QWaitCondition>

namespace barkeep {

// Writes the BackfillManager's job rows to the store on its own thread (a one-thread pool),
// so no store write happens under the scheduler's lock or on a chunk's thread. save() is
// called from any thread, with the scheduler's lock held, so rows reach the writer in the
// order the scheduler made them; a row not yet written is replaced by a newer one of the
// same job. sync() blocks until what was saved before it is written: the public methods of
// the manager return only once a state change is in the store (a restart sees it).
class BackfillJobRecorder
{
public:
    explicit BackfillJobRecorder(JobStore *store);
    ~BackfillJobRecorder(); // writes what is queued

    void save(const StoredJob &row);
    void sync();

private:
    void drain(); // the writer thread

    JobStore *m_store;
    QMutex m_mutex;
    QWaitCondition m_written;
    QMap<qint64, StoredJob> m_pending; // by job id
    quint64 m_queued = 0;              // rows saved so far
    quint64 m_done = 0;                // rows saved so far that are written (or replaced)
    bool m_draining = false;
    QThreadPool m_writer; // last: destroyed (waited for) first
};

} // namespace barkeep
