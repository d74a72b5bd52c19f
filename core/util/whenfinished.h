// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent>

#include <type_traits>
#include <utility>

namespace barkeep {

// The one way back from a worker pool to a receiver's thread (the API's handlers, the
// stream, every panel of the window), in place of QFuture::then(receiver, done).
//
// Calls done(result) on receiver's thread once, when `future` has finished with its result,
// the result moved out (a chart load hands over its bars without a copy); never if the
// receiver is destroyed first or the future was cancelled without a result (as then() skips
// its continuation). Call it on the receiver's thread (the watcher is its child).
//
// Why not then(): Qt 6.4's then() may run its continuation twice when the future finishes
// on a pool thread while then() is attaching it. setContinuation() sees the state already
// Finished, runs the continuation and stores it; the finishing thread, between
// reportFinished() and its runContinuation(), then runs the stored one again, whose QPromise
// the first run moved out: SEGV in QFutureInterfaceBase::reportStarted() on the receiver's
// thread (tst_whenfinished replays it). A QFutureWatcher learns of the finish through the
// future's output interface, under the future's mutex, exactly once, whichever thread gets
// there first.
template <typename T, typename Done>
void whenFinished(const QFuture<T> &future, QObject *receiver, Done done)
{
    auto *watcher = new QFutureWatcher<T>(receiver);
    QObject::connect(watcher, &QFutureWatcherBase::finished, receiver,
                     [watcher, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         if (watcher->isCanceled() || watcher->future().resultCount() == 0)
                             return;
                         done(watcher->future().takeResult());
                     });
    watcher->setFuture(future);
}

// Runs `task` on `pool`, then done(result) on `context`'s thread as whenFinished() does.
template <typename Task, typename Done>
void runAsync(QThreadPool *pool, QObject *context, Task task, Done done)
{
    whenFinished(QtConcurrent::run(pool, std::move(task)), context, std::move(done));
}

} // namespace barkeep
