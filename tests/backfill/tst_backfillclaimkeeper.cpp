// SPDX-License-Identifier: GPL-3.0-or-later
// BackfillClaimKeeper on its own: the owner name, releasing and renewing what it holds, and
// never dropping the claims of an owner that may be alive.
#include "services/backfillclaimkeeper.h"
#include "storage/claimstore.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <QTest>

#include <atomic>
#include <mutex>

using namespace barkeep;

namespace {

const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};

// Records what the keeper asks of the store.
class FakeClaims final : public ClaimStore
{
public:
    Result<TimeRanges> claim(const SeriesKey &, TimeRange range, const QString &owner, qint64,
                             qint64) override
    {
        std::lock_guard lock(mutex);
        lastOwner = owner;
        return TimeRanges{range};
    }
    VoidResult release(const SeriesKey &, TimeRange, const QString &) override
    {
        ++releases;
        return {};
    }
    Result<qint64> renewClaims(const QString &, qint64, qint64) override
    {
        ++renewals;
        return 1;
    }
    Result<QStringList> claimOwners() override
    {
        std::lock_guard lock(mutex);
        return owners;
    }
    VoidResult releaseAll(const QString &owner) override
    {
        std::lock_guard lock(mutex);
        droppedAll << owner;
        return {};
    }

    std::mutex mutex;
    QString lastOwner;
    QStringList owners, droppedAll;
    std::atomic<int> releases{0}, renewals{0};
};

} // namespace

class TestBackfillClaimKeeper : public QObject
{
    Q_OBJECT

private slots:
    void ownerNamesThisProcess()
    {
        FakeClaims store;
        BackfillClaimKeeper a(&store), b(&store);
        const QStringList parts = a.owner().split(QLatin1Char(':'));
        QCOMPARE(parts.size(), 3);
        QCOMPARE(parts[0], QSysInfo::machineHostName());
        QCOMPARE(parts[1].toLongLong(), QCoreApplication::applicationPid());
        QVERIFY(a.owner() != b.owner()); // two managers of one process are two owners
        QVERIFY(a.claim(kBtc, {0, 60'000}, 60'000, 0));
        QCOMPARE(store.lastOwner, a.owner());
    }

    void renewsOnlyWhatItHoldsAndWhenDue()
    {
        FakeClaims store;
        BackfillClaimKeeper keeper(&store);
        keeper.renewIfDue(100'000, 60'000); // nothing held
        keeper.waitForDone();
        QCOMPARE(store.renewals.load(), 0);
        keeper.hold();
        keeper.renewIfDue(100'000, 60'000);
        keeper.waitForDone();
        QCOMPARE(store.renewals.load(), 1);
        keeper.renewIfDue(110'000, 60'000); // a third of the TTL has not passed
        keeper.waitForDone();
        QCOMPARE(store.renewals.load(), 1);
        keeper.renewIfDue(120'001, 60'000);
        keeper.waitForDone();
        QCOMPARE(store.renewals.load(), 2);
        keeper.release(kBtc, {0, 60'000}, true);
        QCOMPARE(store.releases.load(), 1);
        keeper.renewIfDue(200'000, 60'000); // nothing held any more
        keeper.waitForDone();
        QCOMPARE(store.renewals.load(), 2);
    }

    void reapsOnlyDeadOwnersOfThisHost()
    {
        const QString host = QSysInfo::machineHostName();
        FakeClaims store;
        BackfillClaimKeeper keeper(&store);
        const QString self = keeper.owner();
        const QString elsewhere = QStringLiteral("another-host-%1:1:abc").arg(host);
        const QString alive = QStringLiteral("%1:%2:abc").arg(host).arg(QCoreApplication::applicationPid() == 1 ? 2 : 1);
        store.owners = {self, elsewhere, alive, QStringLiteral("malformed")};
        keeper.reapDeadOwners();
        QVERIFY(store.droppedAll.isEmpty());
        QVERIFY(!BackfillClaimKeeper::ownerIsDeadHere(self));
        QVERIFY(!BackfillClaimKeeper::ownerIsDeadHere(elsewhere));
        QVERIFY(!BackfillClaimKeeper::ownerIsDeadHere(alive)); // pid 1 (init) is alive
    }
};

QTEST_GUILESS_MAIN(TestBackfillClaimKeeper)
#include "tst_backfillclaimkeeper.moc"
