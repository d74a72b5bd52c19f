// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backfillmanager.h"

#include <QMutex>
#include <QObject>

#include <variant>

namespace barkeep {

// The BackfillManager's signals, emitted on the manager's thread in the order they were
// posted. post() is called from any thread (chunk tasks, the scheduler with its lock held)
// and queues a flush to the owner's thread; the owner may also flush() right away, so a
// public method called on the manager's thread has emitted its changes when it returns.
// One thread emits, so receivers never see an older snapshot of a job after a newer one.
class BackfillOutbox
{
public:
    struct ChunkStored
    {
        SeriesKey series;
        TimeRange covered;
    };
    using Event = std::variant<BackfillJobInfo, ChunkStored>;

    explicit BackfillOutbox(BackfillManager *owner) : m_owner(owner) {}

    void post(Event event);
    // The owner's thread only; a flush inside a slot of one of the signals is a no-op (the
    // outer flush goes on until the box is empty).
    void flush();

private:
    BackfillManager *m_owner;
    QMutex m_mutex;
    QList<Event> m_events;
    bool m_flushQueued = false; // a flush is posted to the owner's thread
    bool m_flushing = false;    // the owner's thread only
};

} // namespace barkeep
