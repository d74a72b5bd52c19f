// SPDX-License-Identifier: GPL-3.0-or-later
// EpollEventDispatcher (the API thread's event loop): it runs this whole test's main thread
// (installed before the application exists, see main() below), so QTest's own waiting, the
// timers, posted events and sockets here all go through it.
#include "support/apidispatchermain.h"
#include "util/epolleventdispatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

using namespace barkeep;

namespace {

struct SocketPair
{
    int fd[2] = {-1, -1};
    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~SocketPair() { closeBoth(); }
    void closeBoth()
    {
        for (int &f : fd)
            if (f >= 0)
                ::close(std::exchange(f, -1));
    }
    void send(char c = 'x') const { QCOMPARE(::write(fd[1], &c, 1), 1); }
    void drain() const
    {
        char buf[64];
        while (::read(fd[0], buf, sizeof buf) > 0) {
        }
    }
};

// Counts activations of a read notifier and drains the socket each time: readiness is
// level-triggered (as with Qt's dispatcher), so an undrained socket would fire every pass.
struct ReadCounter
{
    int count = 0;
    ReadCounter(QSocketNotifier &notifier, const SocketPair &pair)
    {
        QObject::connect(&notifier, &QSocketNotifier::activated, &notifier, [this, &pair] {
            ++count;
            pair.drain();
        });
    }
};

EpollEventDispatcher *dispatcher()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

} // namespace

class TestEpollEventDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void installed();
    void singleShotTimerFiresOnTimeNotBefore();
    void repeatingAndZeroTimers();
    void stoppedTimerDoesNotFire();
    void timerBookkeeping();
    void postedEventFromAnotherThreadWakesTheWait();
    void interruptEndsABlockedWait();
    void readNotifierFollowsReadiness();
    void disabledNotifierStaysQuiet();
    void writeAndHangUpNotifiers();
    void notifierDeletedByAnotherInTheSamePass();
    void nestedLoopActivatesEachOnce();
    void excludeSocketNotifiers();
    void reusedDescriptorNumber();
    void interestListFollowsNotifiers();
    void tcpRoundTrip();
};

void TestEpollEventDispatcher::installed()
{
    QVERIFY2(dispatcher(), "the main thread must run on EpollEventDispatcher");
}

void TestEpollEventDispatcher::singleShotTimerFiresOnTimeNotBefore()
{
    QElapsedTimer clock;
    clock.start();
    qint64 firedAt = -1;
    QTimer::singleShot(120, Qt::PreciseTimer, this, [&] { firedAt = clock.elapsed(); });
    QTRY_VERIFY_WITH_TIMEOUT(firedAt >= 0, 5000);
    QVERIFY2(firedAt >= 120, qPrintable(QStringLiteral("fired after %1 ms").arg(firedAt)));
}

void TestEpollEventDispatcher::repeatingAndZeroTimers()
{
    int ticks = 0;
    QTimer repeating;
    repeating.setInterval(10);
    connect(&repeating, &QTimer::timeout, this, [&] { ++ticks; });
    repeating.start();
    int zeroTicks = 0;
    QTimer zero; // interval 0: once per pass of the loop
    connect(&zero, &QTimer::timeout, this, [&] { ++zeroTicks; });
    zero.start(0);
    QTRY_VERIFY_WITH_TIMEOUT(ticks >= 5, 5000);
    QVERIFY(zeroTicks > ticks);
}

void TestEpollEventDispatcher::stoppedTimerDoesNotFire()
{
    bool fired = false;
    QTimer timer;
    timer.setSingleShot(true);
    connect(&timer, &QTimer::timeout, this, [&] { fired = true; });
    timer.start(30);
    timer.stop();
    bool later = false;
    QTimer::singleShot(100, this, [&] { later = true; });
    QTRY_VERIFY_WITH_TIMEOUT(later, 5000);
    QVERIFY(!fired);
}

void TestEpollEventDispatcher::timerBookkeeping()
{
    QObject owner;
    QTimer timer(&owner);
    timer.setTimerType(Qt::PreciseTimer); // a coarse one may be moved up to 5 % later
    timer.start(10000);
    const int remaining = timer.remainingTime();
    QVERIFY2(remaining > 9000 && remaining <= 10000, qPrintable(QString::number(remaining)));
    const QList<QAbstractEventDispatcher::TimerInfo> timers = dispatcher()->registeredTimers(&timer);
    QCOMPARE(timers.size(), 1);
    QCOMPARE(timers.first().interval, 10000);
    QVERIFY(dispatcher()->unregisterTimers(&timer));
    QVERIFY(dispatcher()->registeredTimers(&timer).isEmpty());
}

void TestEpollEventDispatcher::postedEventFromAnotherThreadWakesTheWait()
{
    QEventLoop loop;
    bool ran = false;
    std::thread poster([&] {
        QThread::msleep(50); // the loop below is waiting by then (it has no timer to wake it)
        QMetaObject::invokeMethod(&loop, [&] {
            ran = true;
            loop.quit();
        }, Qt::QueuedConnection);
    });
    QTimer::singleShot(10000, &loop, [&] { loop.exit(1); }); // a broken wake-up fails, not hangs
    const int rc = loop.exec();
    poster.join();
    QCOMPARE(rc, 0);
    QVERIFY(ran);
}

void TestEpollEventDispatcher::interruptEndsABlockedWait()
{
    EpollEventDispatcher *d = dispatcher(); // instance() is per thread: taken here
    std::thread interrupter([d] {
        QThread::msleep(50);
        d->interrupt();
    });
    QElapsedTimer clock;
    clock.start();
    // No timer and no socket: only the interrupt can end this wait (ctest's timeout otherwise).
    d->processEvents(QEventLoop::WaitForMoreEvents);
    interrupter.join();
    QVERIFY(clock.elapsed() < 10000);
}

void TestEpollEventDispatcher::readNotifierFollowsReadiness()
{
    SocketPair pair;
    QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
    ReadCounter activated(notifier, pair);
    QTest::qWait(30);
    QCOMPARE(activated.count, 0); // nothing to read yet
    pair.send();
    QTRY_COMPARE(activated.count, 1);
    QTest::qWait(30);
    QCOMPARE(activated.count, 1); // drained: quiet again
    pair.send();
    QTRY_COMPARE(activated.count, 2);
}

void TestEpollEventDispatcher::disabledNotifierStaysQuiet()
{
    SocketPair pair;
    QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
    ReadCounter activated(notifier, pair);
    notifier.setEnabled(false);
    pair.send();
    QTest::qWait(50);
    QCOMPARE(activated.count, 0);
    notifier.setEnabled(true); // still readable: reported as soon as it is watched again
    QTRY_COMPARE(activated.count, 1);
}

void TestEpollEventDispatcher::writeAndHangUpNotifiers()
{
    SocketPair pair;
    QSocketNotifier writer(pair.fd[1], QSocketNotifier::Write);
    QSignalSpy writable(&writer, &QSocketNotifier::activated);
    QTRY_VERIFY(writable.size() >= 1);
    writer.setEnabled(false);

    // The peer goes away: a read notifier is told (read() then returns 0), as with Qt's.
    QSocketNotifier reader(pair.fd[0], QSocketNotifier::Read);
    QSignalSpy readable(&reader, &QSocketNotifier::activated);
    ::close(std::exchange(pair.fd[1], -1));
    QTRY_VERIFY(readable.size() >= 1);
    char c;
    QCOMPARE(::read(pair.fd[0], &c, 1), 0);
}

void TestEpollEventDispatcher::notifierDeletedByAnotherInTheSamePass()
{
    SocketPair a, b;
    auto first = std::make_unique<QSocketNotifier>(a.fd[0], QSocketNotifier::Read);
    auto second = std::make_unique<QSocketNotifier>(b.fd[0], QSocketNotifier::Read);
    int activations = 0;
    // Whichever runs first deletes the other, which was ready in the same pass: the deleted
    // one must not be activated (that would be a use after free; ASan in CI sees it).
    connect(first.get(), &QSocketNotifier::activated, this, [&] {
        ++activations;
        second.reset();
        a.drain();
    });
    connect(second.get(), &QSocketNotifier::activated, this, [&] {
        ++activations;
        first.reset();
        b.drain();
    });
    a.send();
    b.send();
    QTRY_COMPARE(activations, 1);
    QTest::qWait(30);
    QCOMPARE(activations, 1);
    QVERIFY(!first || !second);
}

void TestEpollEventDispatcher::nestedLoopActivatesEachOnce()
{
    // The first handler runs a nested pass while the second notifier is still pending from
    // the outer one: the nested pass sees it ready again and must not queue it twice.
    SocketPair a, b;
    QSocketNotifier first(a.fd[0], QSocketNotifier::Read);
    QSocketNotifier second(b.fd[0], QSocketNotifier::Read);
    int firstCount = 0, secondCount = 0;
    connect(&first, &QSocketNotifier::activated, this, [&] {
        ++firstCount;
        a.drain();
        QCoreApplication::processEvents();
    });
    connect(&second, &QSocketNotifier::activated, this, [&] {
        ++secondCount;
        b.drain();
        QCoreApplication::processEvents();
    });
    a.send();
    b.send();
    QTRY_VERIFY(firstCount >= 1 && secondCount >= 1);
    QTest::qWait(30);
    QCOMPARE(firstCount, 1);
    QCOMPARE(secondCount, 1);
}

void TestEpollEventDispatcher::excludeSocketNotifiers()
{
    SocketPair pair;
    QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
    ReadCounter activated(notifier, pair);
    pair.send();
    QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
    QCOMPARE(activated.count, 0);
    QTRY_COMPARE(activated.count, 1);
}

void TestEpollEventDispatcher::reusedDescriptorNumber()
{
    // A descriptor closed while its notifier still watched it (the kernel drops it from the
    // interest list, the dispatcher does not know), then its number reused by a new socket.
    auto pair = std::make_unique<SocketPair>();
    const int number = pair->fd[0];
    auto stale = std::make_unique<QSocketNotifier>(number, QSocketNotifier::Read);
    pair->closeBoth();
    SocketPair fresh; // the lowest free numbers: `number` again
    QCOMPARE(fresh.fd[0], number);
    stale.reset(); // unregisters a descriptor the kernel no longer has: must not break `fresh`
    QSocketNotifier notifier(fresh.fd[0], QSocketNotifier::Read);
    ReadCounter activated(notifier, fresh);
    fresh.send();
    QTRY_COMPARE(activated.count, 1);
}

void TestEpollEventDispatcher::interestListFollowsNotifiers()
{
    const int before = dispatcher()->watchedSockets();
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::vector<std::unique_ptr<QSocketNotifier>> notifiers;
    for (int i = 0; i < 50; ++i) {
        pairs.push_back(std::make_unique<SocketPair>());
        notifiers.push_back(std::make_unique<QSocketNotifier>(pairs.back()->fd[0], QSocketNotifier::Read));
        notifiers.push_back(std::make_unique<QSocketNotifier>(pairs.back()->fd[0], QSocketNotifier::Write));
    }
    QCOMPARE(dispatcher()->watchedSockets(), before + 50); // one entry per descriptor
    notifiers.clear();
    QCOMPARE(dispatcher()->watchedSockets(), before);
}

void TestEpollEventDispatcher::tcpRoundTrip()
{
    // Qt's sockets toggle their notifiers as buffers fill and drain: 4 MB through loopback
    // exercises read and write notifiers the way the API server uses them.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QTRY_VERIFY(server.hasPendingConnections());
    QTcpSocket *peer = server.nextPendingConnection();
    QVERIFY(client.waitForConnected(5000) || client.state() == QAbstractSocket::ConnectedState);
    QByteArray echoed;
    connect(peer, &QTcpSocket::readyRead, this, [&] { peer->write(peer->readAll()); });
    connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
    QByteArray payload(4 << 20, Qt::Uninitialized);
    for (qsizetype i = 0; i < payload.size(); ++i)
        payload[i] = char(i * 7);
    client.write(payload);
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), payload.size(), 30000);
    QVERIFY(echoed == payload);
}

BK_TEST_MAIN_ON_API_DISPATCHER(TestEpollEventDispatcher)

#include "tst_epolleventdispatcher.moc"
