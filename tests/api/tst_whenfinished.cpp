// SPDX-License-Identifier: GPL-3.0-or-later
// whenFinished(): the way back from a worker pool to a receiver's thread, in place of
// QFuture::then(context, ...), whose continuation Qt 6.4 may run twice (the second run
// crashed tst_apistream under load in the sanitizer build).
#include "util/whenfinished.h"

#include <QCoreApplication>
#include <QFutureInterface>
#include <QThreadPool>
#include <QtConcurrent>
#include <QTest>

#include <memory>

using namespace barkeep;

namespace {

// A future whose finishing thread is paused between its two steps: reportFinished() (state
// Finished) and runContinuation() (what QFutureInterface<T>::reportFinished() does next).
struct SteppedInterface : QFutureInterface<int>
{
    void finishWithoutContinuation(int value)
    {
        reportResult(value);
        QFutureInterfaceBase::reportFinished();
    }
    using QFutureInterfaceBase::runContinuation;
};

// Lets every event already posted run (the callbacks are queued to the receiver's thread).
void drainEvents()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents);
}

} // namespace

class TstWhenFinished : public QObject
{
    Q_OBJECT

private slots:
    // The interleaving that ran then()'s continuation twice: the callback is attached while
    // the future is Finished but its finishing thread has not run the continuation yet, and
    // that thread then does. The callback runs once, with the result. (With then() in place
    // of whenFinished() this crashes in QFutureInterfaceBase::reportStarted().)
    void attachedBetweenFinishAndContinuationRunsOnce()
    {
        SteppedInterface fi;
        fi.reportStarted();
        fi.finishWithoutContinuation(7);
        QObject receiver;
        int calls = 0;
        int got = 0;
        whenFinished(fi.future(), &receiver, [&](int v) {
            ++calls;
            got = v;
        });
        fi.runContinuation(); // the finishing thread's second step
        QTRY_COMPARE(calls, 1);
        drainEvents();
        QCOMPARE(calls, 1);
        QCOMPARE(got, 7);
    }

    // Attached before the future finishes: called once, after the finish, on this thread.
    void attachedBeforeFinish()
    {
        QFutureInterface<int> fi;
        fi.reportStarted();
        QObject receiver;
        int calls = 0;
        whenFinished(fi.future(), &receiver, [&](int v) {
            ++calls;
            QCOMPARE(v, 3);
            QCOMPARE(QThread::currentThread(), receiver.thread());
        });
        drainEvents();
        QCOMPARE(calls, 0);
        fi.reportAndMoveResult(3);
        fi.reportFinished();
        QTRY_COMPARE(calls, 1);
        drainEvents();
        QCOMPARE(calls, 1);
    }

    // A receiver gone before the finish is never called (its watcher went with it); a future
    // cancelled without a result does not call either, as then() skipped its continuation.
    void goneReceiverOrCancelledFutureNotCalled()
    {
        int calls = 0;
        QFutureInterface<int> fi;
        fi.reportStarted();
        {
            auto receiver = std::make_unique<QObject>();
            whenFinished(fi.future(), receiver.get(), [&](int) { ++calls; });
        }
        fi.reportAndMoveResult(1);
        fi.reportFinished();
        QFutureInterface<int> cancelled;
        cancelled.reportStarted();
        QObject receiver;
        bool finished = false;
        whenFinished(cancelled.future(), &receiver, [&](int) { ++calls; });
        // A second watcher tells when the first has seen the finish too (same posted path).
        auto *probe = new QFutureWatcher<int>(&receiver);
        connect(probe, &QFutureWatcherBase::finished, this, [&] { finished = true; });
        probe->setFuture(cancelled.future());
        cancelled.cancel();
        cancelled.reportFinished();
        QTRY_VERIFY(finished);
        drainEvents();
        QCOMPARE(calls, 0);
    }

    // Real pool work finishing while the callbacks are attached: every callback once.
    void poolResultsEachDeliveredOnce()
    {
        QThreadPool pool;
        pool.setMaxThreadCount(2);
        QObject receiver;
        constexpr int kRuns = 2000;
        std::vector<int> calls(kRuns, 0);
        for (int i = 0; i < kRuns; ++i)
            whenFinished(QtConcurrent::run(&pool, [i] { return i; }), &receiver, [&](int v) { ++calls[size_t(v)]; });
        pool.waitForDone();
        QTRY_VERIFY(std::all_of(calls.begin(), calls.end(), [](int c) { return c >= 1; }));
        drainEvents();
        QVERIFY(std::all_of(calls.begin(), calls.end(), [](int c) { return c == 1; }));
    }
};

QTEST_GUILESS_MAIN(TstWhenFinished)
#include "tst_whenfinished.moc"
