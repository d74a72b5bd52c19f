// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent>

#include <type_traits>
#include <utility>

namespace barkeep::ui {

// Runs `task` on `pool` and then `done(result)` on `context`'s thread, unless `context` is
// gone. Used by every panel instead of QFuture::then(context, ...): on Qt 6.4 a continuation
// attached to a future that finishes concurrently was sometimes never called in our tests;
// QFutureWatcher reports a finished future reliably.
template<typename Task, typename Done>
void runAsync(QThreadPool *pool, QObject *context, Task task, Done done)
{
    using R = std::invoke_result_t<Task>;
    auto *watcher = new QFutureWatcher<R>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, context,
                     [watcher, done = std::move(done)]() mutable {
                         watcher->deleteLater();
                         // Moved out: a chart load hands over its bars without a copy.
                         done(watcher->future().takeResult());
                     });
    watcher->setFuture(QtConcurrent::run(pool, std::move(task)));
}

} // namespace barkeep::ui
