// SPDX-License-Identifier: GPL-3.0-or-later
#include "cache/memorycache.h"
#include "cache/packedbars.h"

#include <QTest>

#include <thread>

using namespace barkeep;

Q_DECLARE_METATYPE(barkeep::TimeRange)

namespace {

const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};
const SeriesKey kEth{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("ETH/USDT"),
                     QStringLiteral("1m")};

Bars makeBars(qint64 from, int n, double seed = 1)
{
    Bars bars;
    for (int i = 0; i < n; ++i) {
        const double p = seed + i;
        bars.push_back(Bar{from + i * kMinuteMs, p, p + 2, p - 1, p + 1, 10.0 * i});
    }
    return bars;
}

TimeRange minutes(qint64 a, qint64 b)
{
    return {a * kMinuteMs, b * kMinuteMs};
}

} // namespace

class TestMemoryCache : public QObject
{
    Q_OBJECT

private slots:
    void roundTripAndCounters()
    {
        MemoryCache cache(1 << 20);
        QVERIFY(cache.open());
        const Bars bars = makeBars(0, 60);
        QVERIFY(!cache.get(kBtc, minutes(0, 60)));
        cache.put(kBtc, minutes(0, 60), bars);
        const auto got = cache.get(kBtc, minutes(0, 60));
        QVERIFY(got);
        QCOMPARE(*got, bars);
        // The key is the exact range and the timeframe: neighbours are misses.
        QVERIFY(!cache.get(kBtc, minutes(0, 59)));
        QVERIFY(!cache.get(kBtc.withTimeframe(QStringLiteral("5m")), minutes(0, 60)));
        // An empty answer is a valid cached answer (fetched, no bars), not a miss.
        cache.put(kEth, minutes(0, 60), {});
        const auto empty = cache.get(kEth, minutes(0, 60));
        QVERIFY(empty);
        QVERIFY(empty->empty());

        QCOMPARE(cache.counters().hits.load(), 2);
        QCOMPARE(cache.counters().misses.load(), 3);
        QCOMPARE(cache.counters().errors.load(), 0);
        QCOMPARE(cache.counters().operations.load(), 7); // 5 gets + 2 puts
        QVERIFY(cache.counters().latencyUsTotal.load() >= 0);
    }

    void evictsLeastRecentlyUsedByBytes_data()
    {
        QTest::addColumn<int>("barsPerEntry");
        QTest::addRow("tiny entries") << 1;
        QTest::addRow("an hour each") << 60;
        QTest::addRow("a day each") << 1440;
    }

    void evictsLeastRecentlyUsedByBytes()
    {
        QFETCH(int, barsPerEntry);
        const qint64 entry = MemoryCache::entryBytes(barsPerEntry);
        MemoryCache cache(3 * entry, 3 * entry); // room for exactly three entries, any size
        const auto range = [&](int i) { return minutes(qint64(i) * barsPerEntry, qint64(i + 1) * barsPerEntry); };
        for (int i = 0; i < 3; ++i)
            cache.put(kBtc, range(i), makeBars(range(i).from, barsPerEntry, i));
        QCOMPARE(cache.entryCount(), 3);
        QCOMPARE(cache.usedBytes(), 3 * entry);

        QVERIFY(cache.get(kBtc, range(0))); // 0 is now the most recently used; 1 the least
        cache.put(kBtc, range(3), makeBars(range(3).from, barsPerEntry, 3));
        QCOMPARE(cache.entryCount(), 3);
        QVERIFY(cache.usedBytes() <= cache.maxBytes());
        QVERIFY(cache.get(kBtc, range(0)));
        QVERIFY(!cache.get(kBtc, range(1)));
        QVERIFY(cache.get(kBtc, range(2)));
        QVERIFY(cache.get(kBtc, range(3)));

        // A big entry evicts as many as it needs.
        cache.put(kEth, minutes(0, 2 * barsPerEntry), makeBars(0, 2 * barsPerEntry));
        QVERIFY(cache.usedBytes() <= cache.maxBytes());
        QVERIFY(cache.get(kEth, minutes(0, 2 * barsPerEntry)));
        QCOMPARE(cache.entryCount(), 2); // the big one and range 3; 0 and 2 were evicted
    }

    void entryLargerThanAnEighthIsNotKeptByDefault()
    {
        MemoryCache cache(8 * MemoryCache::entryBytes(100));
        QCOMPARE(cache.maxEntryBytes(), MemoryCache::entryBytes(100));
        cache.put(kBtc, minutes(0, 100), makeBars(0, 100));
        QVERIFY(cache.get(kBtc, minutes(0, 100)));
        cache.put(kBtc, minutes(0, 101), makeBars(0, 101));
        QVERIFY(!cache.get(kBtc, minutes(0, 101)));
        QCOMPARE(cache.entryCount(), 1);
    }

    void entryLargerThanTheCacheIsNotKept()
    {
        MemoryCache cache(MemoryCache::entryBytes(10), MemoryCache::entryBytes(10));
        cache.put(kBtc, minutes(0, 5), makeBars(0, 5));
        cache.put(kBtc, minutes(0, 100), makeBars(0, 100));
        QVERIFY(!cache.get(kBtc, minutes(0, 100)));
        QVERIFY(cache.get(kBtc, minutes(0, 5))); // and it did not flush the others
    }

    void replacingAnEntryKeepsTheAccountingRight()
    {
        MemoryCache cache(1 << 20);
        cache.put(kBtc, minutes(0, 10), makeBars(0, 10, 1));
        cache.put(kBtc, minutes(0, 10), makeBars(0, 10, 5));
        QCOMPARE(cache.entryCount(), 1);
        QCOMPARE(cache.usedBytes(), MemoryCache::entryBytes(10));
        QCOMPARE(cache.get(kBtc, minutes(0, 10))->front().o, 5.0);
    }

    void invalidateDropsOverlapping_data()
    {
        QTest::addColumn<TimeRange>("invalidated");
        QTest::addColumn<QList<bool>>("kept"); // entries [0,10) [10,20) [20,30) of 1m, then 1h [0,60)
        QTest::addRow("inside one") << minutes(12, 13) << QList<bool>{true, false, true, false};
        QTest::addRow("across two") << minutes(5, 15) << QList<bool>{false, false, true, false};
        QTest::addRow("end is exclusive") << minutes(0, 10) << QList<bool>{false, true, true, false};
        QTest::addRow("touching from the right") << minutes(30, 40) << QList<bool>{true, true, true, false};
        QTest::addRow("after everything") << minutes(60, 70) << QList<bool>{true, true, true, true};
        QTest::addRow("before everything") << minutes(-10, 0) << QList<bool>{true, true, true, true};
        QTest::addRow("all") << minutes(-100, 100) << QList<bool>{false, false, false, false};
    }

    void invalidateDropsOverlapping()
    {
        QFETCH(TimeRange, invalidated);
        QFETCH(QList<bool>, kept);
        MemoryCache cache(1 << 20);
        const SeriesKey hourly = kBtc.withTimeframe(QStringLiteral("1h"));
        const QList<TimeRange> ranges{minutes(0, 10), minutes(10, 20), minutes(20, 30)};
        for (const TimeRange &r : ranges)
            cache.put(kBtc, r, makeBars(r.from, 10));
        cache.put(hourly, minutes(0, 60), makeBars(0, 1));
        cache.put(kEth, minutes(0, 30), makeBars(0, 30)); // another instrument: never touched

        // Invalidation after a 1m write also drops the rollups built on those minutes.
        cache.invalidate(kBtc, invalidated);
        for (int i = 0; i < ranges.size(); ++i)
            QCOMPARE(cache.get(kBtc, ranges[i]).has_value(), kept[i]);
        QCOMPARE(cache.get(hourly, minutes(0, 60)).has_value(), kept[3]);
        QVERIFY(cache.get(kEth, minutes(0, 30)));
        qint64 expectedBytes = MemoryCache::entryBytes(30);
        for (int i = 0; i < ranges.size(); ++i)
            expectedBytes += kept[i] ? MemoryCache::entryBytes(10) : 0;
        expectedBytes += kept[3] ? MemoryCache::entryBytes(1) : 0;
        QCOMPARE(cache.usedBytes(), expectedBytes);
    }

    void threadsShareItSafely()
    {
        MemoryCache cache(MemoryCache::entryBytes(100) * 20); // forces constant eviction
        std::vector<std::thread> threads;
        std::atomic<int> wrong{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 2000; ++i) {
                    const TimeRange r = minutes((i % 50) * 100, (i % 50) * 100 + 100);
                    const Bars bars = makeBars(r.from, 100, i % 50);
                    if (i % 3 == 0)
                        cache.put(kBtc, r, bars);
                    else if (i % 17 == 0)
                        cache.invalidate(kBtc, r);
                    else if (const auto got = cache.get(kBtc, r); got && *got != bars)
                        ++wrong;
                }
            });
        }
        for (auto &th : threads)
            th.join();
        QCOMPARE(wrong.load(), 0);
        QVERIFY(cache.usedBytes() <= cache.maxBytes());
        const CacheCounters &c = cache.counters();
        QCOMPARE(c.operations.load(), 8000);
    }

    void packedValuesRoundTrip()
    {
        Bars bars = makeBars(1'700'000'000'000, 1440);
        bars[7].v = std::numeric_limits<double>::quiet_NaN(); // bytes survive, whatever they hold
        const QByteArray packed = packedbars::encode(bars);
        QCOMPARE(packed.size(), packedbars::kHeaderSize + 1440 * packedbars::kBarSize);
        QCOMPARE(packed.left(4), QByteArrayLiteral("BKB1"));
        const auto back = packedbars::decode(packed);
        QVERIFY(back);
        QCOMPARE(back->size(), bars.size());
        QCOMPARE(back->at(100), bars[100]);
        QVERIFY(std::isnan(back->at(7).v));
        // Little-endian on the wire: the first bar's t starts with its low byte.
        QCOMPARE(quint8(packed[8]), quint8(bars[0].t & 0xff));
        QVERIFY(!packedbars::decode(packed.left(packed.size() - 1)));
        QVERIFY(!packedbars::decode(QByteArrayLiteral("XXXX\0\0\0\0")));
        QVERIFY(packedbars::decode(packedbars::encode({}))->empty());
    }

    void createBarCacheFromUrl()
    {
        auto memory = createBarCache(QStringLiteral("memory:"), 1 << 20, 60);
        QVERIFY(memory);
        QVERIFY((*memory)->describe().startsWith(QLatin1String("memory:")));

        auto bad = createBarCache(QStringLiteral("memcached://x"), 1 << 20, 60);
        QVERIFY(!bad);
        QCOMPARE(bad.error().kind(), Error::Kind::BadInput);
        QVERIFY(bad.error().message().contains(QLatin1String("redis://host:port/db")));

        auto badDb = createBarCache(QStringLiteral("redis://127.0.0.1:6379/x"), 1 << 20, 60);
        QVERIFY(!badDb);
        QCOMPARE(badDb.error().kind(), Error::Kind::BadInput);

        // Port 1 on loopback refuses: a clear error at start saying what was tried.
        auto down = createBarCache(QStringLiteral("redis://:secret@127.0.0.1:1/2"), 1 << 20, 60);
        QVERIFY(!down);
        QCOMPARE(down.error().kind(), Error::Kind::Unavailable);
        QVERIFY2(down.error().detail().contains(QLatin1String("127.0.0.1:1 (db 2)")),
                 qPrintable(down.error().detail()));
        QVERIFY(!down.error().toString().contains(QLatin1String("secret")));
    }
};

QTEST_GUILESS_MAIN(TestMemoryCache)
#include "tst_memorycache.moc"
