// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace barkeep {

// Calls done(result) on receiver's thread once, when `future` has finished with its result;
// never if the receiver is destroyed first or the future was cancelled without a result (as
// then() skips its continuation). Call it on the receiver's thread (the watcher is its child).
//
// Instead of QFuture::then(receiver, done): Qt 6.4's then() may run its continuation twice
// when the future finishes on a pool thread while then() is attaching it. setContinuation()
// sees the state already Finished, runs the continuation and stores it; the finishing
// thread, between reportFinished() and its runContinuation(), then runs the stored one again,
// whose QPromise the first run moved out: SEGV in QFutureInterfaceBase::reportStarted() on
// the receiver's thread (seen under load in the sanitizer suite; tst_whenfinished replays it).
// A QFutureWatcher learns of the finish through the future's output interface, under the
// future's mutex, exactly once, whichever thread gets there first.
template <typename T, typename Done>
void whenFinished(const QFuture<T> &future, QObject *receiver, Done done)
{
    auto *watcher = new QFutureWatcher<T>(receiver);
    QObject::connect(watcher, &QFutureWatcherBase::finished, receiver,
                     [watcher, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         if (watcher->isCanceled() || watcher->future().resultCount() == 0)
                             return;
                         done(watcher->result());
                     });
    watcher->setFuture(future);
}

} // namespace barkeep
