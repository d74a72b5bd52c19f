// SPDX-License-Identifier: GPL-3.0-or-later
#include "livebarfeed.h"

#include "services/subscriptionworker.h"

#include <QDateTime>

namespace barkeep::ui {

LiveBarFeed::LiveBarFeed(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("barkeep-live"));
}

LiveBarFeed::~LiveBarFeed()
{
    shutdown();
}

void LiveBarFeed::start(const SeriesKey &series, Options options)
{
    stop();
    if (!m_thread.isRunning())
        m_thread.start();
    const quint64 generation = ++m_generation;
    m_series = series;
    if (!options.clock)
        options.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    auto *holder = new QObject;
    holder->moveToThread(&m_thread);
    m_holder = holder;
    // Runs on m_thread: everything the worker creates (timers, the provider stream) lives there.
    QMetaObject::invokeMethod(holder, [this, holder, generation, series, options] {
        if (generation != m_generation.load())
            return; // replaced before it started; the holder is being deleted
        auto *worker = new SubscriptionWorker(series, options.orchestrator, options.market,
                                              options.pool, options.metrics, options.clock,
                                              options.pollMs, holder);
        // Queued to the GUI thread (this feed lives there); stale ones dropped on arrival.
        connect(worker, &SubscriptionWorker::barReady, this,
                [this, generation](const SeriesKey &key, const Bar &bar, bool final) {
                    if (generation == m_generation.load())
                        emit barReady(key, bar, final);
                });
        connect(worker, &SubscriptionWorker::pollFailed, this,
                [this, generation](const SeriesKey &key, const QString &message) {
                    if (generation == m_generation.load())
                        emit pollFailed(key, message);
                });
        worker->start();
        QMetaObject::invokeMethod(this, [this, generation, worker = QPointer(worker)] {
            if (generation != m_generation.load() || !worker)
                return;
            m_worker = worker;
            emit workerStarted();
        });
    });
}

void LiveBarFeed::stop()
{
    ++m_generation;
    m_worker.clear();
    m_series = {};
    // Deleted on its own thread (with the worker, which closes its stream); not waited for,
    // so switching series never blocks the GUI on a socket.
    if (m_holder)
        m_holder->deleteLater();
    m_holder.clear();
}

void LiveBarFeed::shutdown()
{
    stop();
    if (m_thread.isRunning()) {
        // A finishing QThread delivers the deferred deletes posted to its objects first.
        m_thread.quit();
        m_thread.wait();
    }
}

void LiveBarFeed::pollNow()
{
    if (SubscriptionWorker *worker = m_worker.data())
        QMetaObject::invokeMethod(worker, &SubscriptionWorker::pollNow, Qt::QueuedConnection);
}

} // namespace barkeep::ui
