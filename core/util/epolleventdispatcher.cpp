// SPDX-License-Identifier: GPL-3.0-or-later
#include "epolleventdispatcher.h"

#include "log/logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QtCore/private/qtimerinfo_unix_p.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace barkeep {

namespace {

// Events fetched per wait. More ready sockets than this stay ready (level-triggered) and
// come in the next pass, after the posted events and timers of this one.
constexpr int kMaxEvents = 1024;

// What wakes a notifier of each type: Qt's UNIX dispatcher activates every notifier of a
// socket on an error or hang-up (its markPendingSocketNotifiers()), so that reads and
// writes meet the error and report it.
constexpr quint32 kTriggers[3] = {
    EPOLLIN | EPOLLHUP | EPOLLERR,  // QSocketNotifier::Read
    EPOLLOUT | EPOLLHUP | EPOLLERR, // QSocketNotifier::Write
    EPOLLPRI | EPOLLHUP | EPOLLERR, // QSocketNotifier::Exception
};

int toMilliseconds(const timespec &t)
{
    // QTimerInfoList::timerWait() rounds up to whole milliseconds already; keep rounding up
    // so the wait never ends before the timer is due (that would spin).
    const qint64 ms = qint64(t.tv_sec) * 1000 + (t.tv_nsec + 999999) / 1000000;
    return int(std::min<qint64>(ms, std::numeric_limits<int>::max()));
}

} // namespace

quint32 EpollEventDispatcher::Watch::events() const
{
    quint32 e = 0;
    if (notifiers[QSocketNotifier::Read])
        e |= EPOLLIN;
    if (notifiers[QSocketNotifier::Write])
        e |= EPOLLOUT;
    if (notifiers[QSocketNotifier::Exception])
        e |= EPOLLPRI;
    return e;
}

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent), m_timers(std::make_unique<QTimerInfoList>())
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = m_wakeFd;
    if (m_epoll < 0 || m_wakeFd < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev) != 0)
        qFatal("EpollEventDispatcher: cannot create epoll or eventfd descriptors: %s", std::strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    qDeleteAll(*m_timers); // as QEventDispatcherUNIX does: the list owns its entries
    m_timers->clear();
    ::close(m_wakeFd);
    ::close(m_epoll);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupt.storeRelaxed(0);
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    // Events posted meanwhile (from here or another thread) have written the wake-up
    // eventfd (QCoreApplication::postEvent() calls wakeUp()), so the wait below returns at
    // once for them: no separate "anything posted?" check is needed.
    const bool canWait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupt.loadRelaxed();
    if (canWait)
        emit aboutToBlock();
    if (m_interrupt.loadRelaxed())
        return false;

    int timeoutMs = -1; // no timer: until something happens
    timespec untilTimer{0, 0};
    if (!canWait)
        timeoutMs = 0;
    else if (includeTimers && m_timers->timerWait(untilTimer))
        timeoutMs = toMilliseconds(untilTimer);

    int handled = waitAndMark(timeoutMs, includeNotifiers);
    if (includeNotifiers)
        handled += activateSocketNotifiers();
    if (includeTimers)
        handled += m_timers->activateTimers();
    return handled > 0;
}

int EpollEventDispatcher::waitAndMark(int timeoutMs, bool includeNotifiers)
{
    if (!includeNotifiers) {
        // Only a wake-up may end this wait (QEventLoop::ExcludeSocketNotifiers).
        pollfd wake{m_wakeFd, POLLIN, 0};
        return ::poll(&wake, 1, timeoutMs) > 0 && consumeWakeUp() ? 1 : 0;
    }
    epoll_event events[kMaxEvents];
    const int n = ::epoll_wait(m_epoll, events, kMaxEvents, timeoutMs);
    if (n < 0) {
        if (errno != EINTR)
            qCWarning(lcApi, "epoll_wait failed: %s", std::strerror(errno));
        return 0;
    }
    int woken = 0;
    // One event per descriptor per wait, so a notifier can be pending twice only when a
    // nested loop (a handler calling processEvents()) waits before the outer pass is done.
    const bool mayRepeat = !m_pending.isEmpty();
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == m_wakeFd) {
            woken += consumeWakeUp() ? 1 : 0;
            continue;
        }
        const auto it = m_watches.constFind(fd);
        if (it == m_watches.cend())
            continue; // unregistered after an earlier wait reported it
        for (int type = 0; type < 3; ++type) {
            QSocketNotifier *notifier = it->notifiers[type];
            if (notifier && (events[i].events & kTriggers[type])
                && !(mayRepeat && m_pending.contains(notifier)))
                m_pending.append(notifier);
        }
    }
    return woken;
}

bool EpollEventDispatcher::consumeWakeUp()
{
    eventfd_t value;
    if (::eventfd_read(m_wakeFd, &value) != 0)
        return false;
    m_wakeUps.storeRelease(0);
    return true;
}

int EpollEventDispatcher::activateSocketNotifiers()
{
    int activated = 0;
    QEvent event(QEvent::SockAct);
    // A notifier may disable or delete itself or others while handling its event:
    // unregisterSocketNotifier() takes it out of m_pending, so it is never reached here.
    while (!m_pending.isEmpty()) {
        QSocketNotifier *notifier = m_pending.takeFirst();
        QCoreApplication::sendEvent(notifier, &event);
        ++activated;
    }
    return activated;
}

void EpollEventDispatcher::updateInterest(int fd, const Watch &watch, bool wasWatched)
{
    if (watch.isEmpty()) {
        // Fails harmlessly when the descriptor was closed first (the kernel dropped it then).
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        return;
    }
    epoll_event ev{};
    ev.events = watch.events();
    ev.data.fd = fd;
    int op = wasWatched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (::epoll_ctl(m_epoll, op, fd, &ev) == 0)
        return;
    // The kernel's list and ours can disagree when a descriptor was closed while watched and
    // its number reused (gone there, still here), or the reverse: take the other operation.
    if ((op == EPOLL_CTL_MOD && errno == ENOENT) || (op == EPOLL_CTL_ADD && errno == EEXIST)) {
        op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        if (::epoll_ctl(m_epoll, op, fd, &ev) == 0)
            return;
    }
    qCWarning(lcApi, "cannot watch descriptor %d: %s", fd, std::strerror(errno));
}

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const int type = int(notifier->type());
    auto it = m_watches.find(fd);
    const bool wasWatched = it != m_watches.end();
    if (!wasWatched)
        it = m_watches.insert(fd, Watch{});
    if (it->notifiers[type] && it->notifiers[type] != notifier)
        qCWarning(lcApi, "several socket notifiers of one type for descriptor %d", fd);
    it->notifiers[type] = notifier;
    updateInterest(fd, *it, wasWatched);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    m_pending.removeOne(notifier);
    const int fd = int(notifier->socket());
    const int type = int(notifier->type());
    const auto it = m_watches.find(fd);
    if (it == m_watches.end() || it->notifiers[type] != notifier)
        return;
    it->notifiers[type] = nullptr;
    updateInterest(fd, *it, true);
    if (it->isEmpty())
        m_watches.erase(it);
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    m_timers->registerTimer(timerId, interval, timerType, object);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    return m_timers->unregisterTimer(timerId);
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    return m_timers->unregisterTimers(object);
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    return m_timers->registeredTimers(object);
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    return m_timers->timerRemainingTime(timerId);
}

void EpollEventDispatcher::wakeUp()
{
    // One write until the loop has consumed it, as QThreadPipe does.
    if (m_wakeUps.testAndSetAcquire(0, 1))
        ::eventfd_write(m_wakeFd, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupt.storeRelaxed(1);
    wakeUp();
}

} // namespace barkeep
