// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "services/subscriptionworker.h"
#include "model/bar.h"
#include "model/series.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <functional>

class QThreadPool;

namespace barkeep {
class ApiMetrics;
class DataOrchestrator;
class MarketService;
} // namespace barkeep

namespace barkeep::ui {

// The live bars of the series on screen, off the GUI thread. The SubscriptionWorker that makes
// them (its poll timer, its REST fetches' continuations and the provider's WebSocket, which it
// opens on its own thread) lives on this feed's QThread, so a slow handshake or a burst of
// frames never stalls painting; its bars reach the GUI thread as queued signals. One series at
// a time: start() replaces the worker, stop() drops it, shutdown() also joins the thread (the
// window does that on close and destruction, before the services the worker uses go away).
// The worker is created and destroyed on the feed's thread: its QTimer members are not its
// children, so moveToThread() could not take them along.
// Owned and called on the GUI thread.
class LiveBarFeed : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        DataOrchestrator *orchestrator = nullptr;
        MarketService *market = nullptr;
        QThreadPool *pool = nullptr; // the worker's fetches; its owner waits for them
        ApiMetrics *metrics = nullptr;
        std::function<qint64()> clock; // called on the feed's thread
        int pollMs = 3000;
    };

    explicit LiveBarFeed(QObject *parent = nullptr);
    ~LiveBarFeed() override;

    // Watches `series` (stopping the previous one); the worker starts on the feed's thread.
    void start(const SeriesKey &series, Options options);
    // Drops the worker (deleted on its thread); bars it queued before are not delivered.
    void stop();
    // stop(), then ends the thread and waits for it: the worker is gone on return.
    void shutdown();

    SeriesKey series() const { return m_series; }
    // The running worker once its thread made it (null before, and after stop()). Its thread
    // is workerThread(); call into it only with queued invocations (see pollNow()).
    SubscriptionWorker *worker() const { return m_worker.data(); }
    QThread *workerThread() { return &m_thread; }
    // Asks the worker to poll now (queued onto its thread).
    void pollNow();

signals:
    // On the GUI thread, for the current series only.
    void barReady(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);
    void pollFailed(const barkeep::SeriesKey &series, const QString &message);
    void workerStarted();

private:
    QThread m_thread;
    // Lives on m_thread and parents the worker: deleteLater() on it deletes the worker there.
    QPointer<QObject> m_holder;
    QPointer<SubscriptionWorker> m_worker;
    SeriesKey m_series;
    // Bumped by start()/stop(): queued bars of an older worker are dropped on arrival.
    std::atomic<quint64> m_generation{0};
};

} // namespace barkeep::ui
