// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/coverageledger.h"

#include <QRandomGenerator>
#include <QTest>

using namespace barkeep;

namespace {
constexpr qint64 M = kMinuteMs;
using S = CoverageState;

CoverageInterval iv(qint64 fromMin, qint64 toMin, S s)
{
    return {{fromMin * M, toMin * M}, s};
}
Bars barsAt(std::initializer_list<qint64> minutes)
{
    Bars b;
    for (qint64 m : minutes)
        b.push_back({m * M, 1, 2, 0.5, 1.5, 10});
    return b;
}
TimeRange mins(qint64 a, qint64 b) { return {a * M, b * M}; }
} // namespace

namespace barkeep {
// Readable QCOMPARE failures: "[0,5)m bars [5,9)m empty".
char *toString(const CoverageIntervals &ivs)
{
    QByteArray out;
    for (const auto &i : ivs)
        out += QByteArray::number(i.range.from / kMinuteMs) + '-'
             + QByteArray::number(i.range.to / kMinuteMs)
             + (i.state == CoverageState::Bars ? " bars " : " empty ");
    return qstrdup(out.constData());
}
char *toString(const TimeRanges &rs)
{
    QByteArray out;
    for (const auto &r : rs)
        out += QByteArray::number(r.from / kMinuteMs) + '-' + QByteArray::number(r.to / kMinuteMs)
             + ' ';
    return qstrdup(out.constData());
}
} // namespace barkeep

Q_DECLARE_METATYPE(barkeep::CoverageIntervals)
Q_DECLARE_METATYPE(barkeep::TimeRanges)
Q_DECLARE_METATYPE(barkeep::TimeRange)

class TstCoverageLedger : public QObject
{
    Q_OBJECT
private slots:
    void fromFetch_data();
    void fromFetch();
    void fromFetchBucketSpans();
    void overlay_data();
    void overlay();
    void gaps_data();
    void gaps();
    void gapsWithSessions();
    void normalizeUnsorted();
    void clipped();
    void randomAgainstMinuteMap();
};

void TstCoverageLedger::fromFetch_data()
{
    QTest::addColumn<TimeRange>("fetched");
    QTest::addColumn<Bars>("bars");
    QTest::addColumn<CoverageIntervals>("expected");
    QTest::newRow("no bars") << mins(0, 10) << Bars{} << CoverageIntervals{iv(0, 10, S::Empty)};
    QTest::newRow("all bars") << mins(0, 3) << barsAt({0, 1, 2})
                              << CoverageIntervals{iv(0, 3, S::Bars)};
    QTest::newRow("hole in middle")
        << mins(0, 6) << barsAt({0, 1, 4})
        << CoverageIntervals{iv(0, 2, S::Bars), iv(2, 4, S::Empty), iv(4, 5, S::Bars),
                             iv(5, 6, S::Empty)};
    QTest::newRow("empty head") << mins(0, 4) << barsAt({3})
                                << CoverageIntervals{iv(0, 3, S::Empty), iv(3, 4, S::Bars)};
    QTest::newRow("empty range") << mins(5, 5) << Bars{} << CoverageIntervals{};
}

void TstCoverageLedger::fromFetch()
{
    QFETCH(TimeRange, fetched);
    QFETCH(Bars, bars);
    QFETCH(CoverageIntervals, expected);
    QCOMPARE(CoverageLedger::fromFetch(fetched, bars), expected);
}

// A bar covers its whole bucket (clipped to the fetch) for every kind of timeframe, before
// 1970 too: the N-minute fast path must agree with Timeframe's bucket arithmetic.
void TstCoverageLedger::fromFetchBucketSpans()
{
    for (const char *name : {"1m", "5m", "1h", "1d", "1w", "1M"}) {
        const Timeframe tf = *Timeframe::parse(QLatin1String(name));
        for (const qint64 t : {qint64(-7 * M), qint64(-1), qint64(0), qint64(13 * M),
                               qint64(1'704'067'200'000 + 37 * M)}) {
            const qint64 start = tf.bucketStart(t);
            const qint64 end = tf.bucketEnd(start);
            const TimeRange fetched{start - 5 * M, end + 5 * M};
            const CoverageIntervals expected{{{fetched.from, t}, S::Empty},
                                             {{t, end}, S::Bars},
                                             {{end, fetched.to}, S::Empty}};
            QCOMPARE(CoverageLedger::fromFetch(fetched, Bars{{t, 1, 1, 1, 1, 1}}, tf), expected);
        }
    }
}

void TstCoverageLedger::overlay_data()
{
    QTest::addColumn<CoverageIntervals>("existing");
    QTest::addColumn<TimeRange>("fetched");
    QTest::addColumn<Bars>("bars");
    QTest::addColumn<CoverageIntervals>("expected");
    QTest::newRow("into empty") << CoverageIntervals{} << mins(0, 2) << barsAt({0, 1})
                                << CoverageIntervals{iv(0, 2, S::Bars)};
    QTest::newRow("adjacent same state merges")
        << CoverageIntervals{iv(0, 5, S::Bars)} << mins(5, 8) << barsAt({5, 6, 7})
        << CoverageIntervals{iv(0, 8, S::Bars)};
    QTest::newRow("adjacent other state stays")
        << CoverageIntervals{iv(0, 5, S::Bars)} << mins(5, 8) << Bars{}
        << CoverageIntervals{iv(0, 5, S::Bars), iv(5, 8, S::Empty)};
    QTest::newRow("new fetch overrides empty")
        << CoverageIntervals{iv(0, 10, S::Empty)} << mins(3, 5) << barsAt({3, 4})
        << CoverageIntervals{iv(0, 3, S::Empty), iv(3, 5, S::Bars), iv(5, 10, S::Empty)};
    QTest::newRow("new fetch overrides bars")
        << CoverageIntervals{iv(0, 10, S::Bars)} << mins(3, 5) << Bars{}
        << CoverageIntervals{iv(0, 3, S::Bars), iv(3, 5, S::Empty), iv(5, 10, S::Bars)};
    QTest::newRow("bridges two intervals")
        << CoverageIntervals{iv(0, 2, S::Bars), iv(6, 8, S::Bars)} << mins(1, 7)
        << barsAt({1, 2, 3, 4, 5, 6}) << CoverageIntervals{iv(0, 8, S::Bars)};
    QTest::newRow("disjoint keeps both")
        << CoverageIntervals{iv(0, 2, S::Bars)} << mins(4, 6) << barsAt({4, 5})
        << CoverageIntervals{iv(0, 2, S::Bars), iv(4, 6, S::Bars)};
    QTest::newRow("covers everything")
        << CoverageIntervals{iv(2, 3, S::Bars), iv(4, 5, S::Empty)} << mins(0, 10) << Bars{}
        << CoverageIntervals{iv(0, 10, S::Empty)};
}

void TstCoverageLedger::overlay()
{
    QFETCH(CoverageIntervals, existing);
    QFETCH(TimeRange, fetched);
    QFETCH(Bars, bars);
    QFETCH(CoverageIntervals, expected);
    CoverageLedger ledger(existing);
    ledger.record(fetched, bars);
    QCOMPARE(ledger.intervals(), expected);
}

void TstCoverageLedger::gaps_data()
{
    QTest::addColumn<CoverageIntervals>("existing");
    QTest::addColumn<TimeRange>("range");
    QTest::addColumn<TimeRanges>("expected");
    QTest::newRow("nothing fetched") << CoverageIntervals{} << mins(0, 10)
                                     << TimeRanges{mins(0, 10)};
    QTest::newRow("empty counts as fetched")
        << CoverageIntervals{iv(0, 4, S::Bars), iv(4, 10, S::Empty)} << mins(0, 10)
        << TimeRanges{};
    QTest::newRow("holes") << CoverageIntervals{iv(2, 4, S::Bars), iv(6, 7, S::Empty)}
                           << mins(0, 10)
                           << TimeRanges{mins(0, 2), mins(4, 6), mins(7, 10)};
    QTest::newRow("clipped") << CoverageIntervals{iv(0, 4, S::Bars), iv(8, 20, S::Bars)}
                             << mins(2, 10) << TimeRanges{mins(4, 8)};
    QTest::newRow("empty range") << CoverageIntervals{} << mins(3, 3) << TimeRanges{};
}

void TstCoverageLedger::gaps()
{
    QFETCH(CoverageIntervals, existing);
    QFETCH(TimeRange, range);
    QFETCH(TimeRanges, expected);
    QCOMPARE(CoverageLedger(existing).gaps(range), expected);
}

void TstCoverageLedger::gapsWithSessions()
{
    // Sessions 09:30-16:00-like: minutes 10..20 and 30..40 expected; unsorted on purpose.
    const CoverageLedger ledger({iv(12, 15, S::Bars)});
    const TimeRanges sessions{mins(30, 40), mins(10, 20)};
    QCOMPARE(ledger.gaps(mins(0, 50), sessions),
             (TimeRanges{mins(10, 12), mins(15, 20), mins(30, 40)}));
    QCOMPARE(ledger.gaps(mins(0, 50), TimeRanges{}), TimeRanges{});
}

void TstCoverageLedger::normalizeUnsorted()
{
    // Later intervals win where they overlap.
    const CoverageLedger ledger({iv(5, 10, S::Empty), iv(0, 6, S::Bars), iv(10, 12, S::Empty)});
    QCOMPARE(ledger.intervals(), (CoverageIntervals{iv(0, 6, S::Bars), iv(6, 12, S::Empty)}));
}

void TstCoverageLedger::clipped()
{
    const CoverageLedger ledger({iv(0, 5, S::Bars), iv(5, 9, S::Empty), iv(12, 20, S::Bars)});
    QCOMPARE(ledger.clipped(mins(3, 13)),
             (CoverageIntervals{iv(3, 5, S::Bars), iv(5, 9, S::Empty), iv(12, 13, S::Bars)}));
    QCOMPARE(ledger.clipped(mins(9, 12)), CoverageIntervals{});
}

void TstCoverageLedger::randomAgainstMinuteMap()
{
    // Reference: a per-minute state array (0 never, 1 bars, 2 empty) updated by overriding.
    constexpr int N = 400;
    QRandomGenerator rng(42);
    for (int round = 0; round < 50; ++round) {
        std::vector<int> ref(N, 0);
        CoverageLedger ledger;
        for (int f = 0; f < 20; ++f) {
            const int a = rng.bounded(N);
            const int b = a + 1 + rng.bounded(std::min(60, N - a));
            Bars bars;
            for (int m = a; m < b; ++m) {
                const bool has = rng.bounded(3) != 0;
                ref[m] = has ? 1 : 2;
                if (has)
                    bars.push_back({m * M, 1, 1, 1, 1, 1});
            }
            ledger.record(mins(a, b), bars);
        }
        CoverageIntervals expected;
        for (int m = 0; m < N; ++m) {
            if (ref[m] == 0)
                continue;
            const S s = ref[m] == 1 ? S::Bars : S::Empty;
            if (!expected.empty() && expected.back().state == s
                && expected.back().range.to == m * M)
                expected.back().range.to += M;
            else
                expected.push_back(iv(m, m + 1, s));
        }
        QCOMPARE(ledger.intervals(), expected);
        TimeRanges gaps;
        for (int m = 0; m < N; ++m) {
            if (ref[m] != 0)
                continue;
            if (!gaps.empty() && gaps.back().to == m * M)
                gaps.back().to += M;
            else
                gaps.push_back(mins(m, m + 1));
        }
        QCOMPARE(ledger.gaps(mins(0, N)), gaps);
    }
}

QTEST_GUILESS_MAIN(TstCoverageLedger)
#include "tst_coverageledger.moc"
