// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfilloutbox.h"

#include "util/threadaffinity.h"

namespace barkeep {

void BackfillOutbox::post(Event event)
{
    QMutexLocker lock(&m_mutex);
    m_events.append(std::move(event));
    if (m_flushQueued)
        return;
    m_flushQueued = true;
    QMetaObject::invokeMethod(m_owner, [this] { flush(); }, Qt::QueuedConnection);
}

void BackfillOutbox::flush()
{
    BARKEEP_ASSERT_THREAD(m_owner);
    if (m_flushing)
        return;
    m_flushing = true;
    for (;;) {
        QList<Event> events;
        {
            QMutexLocker lock(&m_mutex);
            events.swap(m_events);
            m_flushQueued = false;
        }
        if (events.isEmpty())
            break;
        for (const Event &e : events) {
            if (const auto *job = std::get_if<BackfillJobInfo>(&e))
                emit m_owner->jobChanged(*job);
            else if (const auto *stored = std::get_if<ChunkStored>(&e))
                emit m_owner->chunkStored(stored->series, stored->covered);
        }
    }
    m_flushing = false;
}

} // namespace barkeep
