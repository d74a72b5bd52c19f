// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QHash>
#include <QList>

#include <memory>

class QSocketNotifier;
class QTimerInfoList;

namespace barkeep {

// An event dispatcher for the API thread that waits on epoll(7) instead of poll(2).
//
// Why: Qt's UNIX dispatcher (and glib's) builds a pollfd array of every socket notifier and
// hands it to the kernel on each pass of the event loop, so a pass costs O(sockets) whatever
// is ready. With 1000 idle WebSocket subscribers that is ~1 ms of CPU per pass on the
// reference machine (`perf`: fdget/sock_poll/tcp_poll/poll_freewait, 15 % of the API thread in
// bench_stream), paid by every bar broadcast and every REST request alike, and the wake-up's
// poll_freewait over all of them sits on the broadcast's critical path. With epoll the
// interest list lives in the kernel: a pass costs O(ready sockets). BENCHMARKS.md
// ("WebSocket") has the before/after figures.
//
// Behaviour copies QEventDispatcherUNIX (Qt 6.4): posted events first, then one wait bounded
// by the next timer, then socket notifiers in readiness order (a notifier unregistered or
// deleted by an earlier one in the same pass is skipped), then timers — the timers through
// Qt's own QTimerInfoList (private API, Qt6::CorePrivate), so timer types, coarse-timer slack
// and remainingTime() are exactly Qt's. Wake-ups use an eventfd, as Qt's do. Linux only.
class BARKEEPCORE_EXPORT EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    // Sockets in the epoll interest list (for tests).
    int watchedSockets() const { return int(m_watches.size()); }

private:
    // The notifiers of one descriptor, by QSocketNotifier::Type (Read, Write, Exception).
    struct Watch
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr};
        bool isEmpty() const { return !notifiers[0] && !notifiers[1] && !notifiers[2]; }
        quint32 events() const;
    };

    void updateInterest(int fd, const Watch &watch, bool wasWatched);
    int waitAndMark(int timeoutNs, bool includeNotifiers);
    bool consumeWakeUp();
    int activateSocketNotifiers();

    int m_epoll = -1;
    int m_wakeFd = -1;
    QAtomicInt m_wakeUps;   // 1 while a wake-up is written and not yet consumed
    QAtomicInt m_interrupt;
    QHash<int, Watch> m_watches;
    QList<QSocketNotifier *> m_pending; // ready in this pass, not yet activated
    std::unique_ptr<QTimerInfoList> m_timers;
};

} // namespace barkeep
