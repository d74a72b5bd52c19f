// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/marketplugin.h"

#include <QFutureWatcher>
#include <QSignalSpy>
#include <QTest>
#include <QtConcurrent>

#include <memory>

namespace barkeep::test {

// Runs a blocking plugin call on a pool thread while this thread's event loop keeps the
// in-process fake server answering (HttpClient blocks its own thread with a local loop).
template<typename F> auto offThread(F &&fn) -> decltype(fn())
{
    using R = decltype(fn());
    QFutureWatcher<R> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(QtConcurrent::run(std::forward<F>(fn)));
    if (!watcher.isFinished())
        finished.wait(240'000);
    watcher.waitForFinished();
    return watcher.result();
}

inline ProviderSettings settingsFor(const QString &provider, const QUrl &base)
{
    ProviderSettings s;
    s.provider = provider;
    s.market = QStringLiteral("crypto");
    s.baseUrl = base.toString();
    s.archiveUrl = base.toString();
    return s;
}

inline QString kindName(Error::Kind kind)
{
    return Error::kindName(kind);
}

} // namespace barkeep::test
