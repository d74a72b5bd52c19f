// SPDX-License-Identifier: GPL-3.0-or-later
#include "chart/chartloader.h"

#include <QTest>
#include <QThreadPool>

#include <memory>
#include <vector>

using namespace barkeep;
using namespace barkeep::ui;

class TestChartLoader : public QObject
{
    Q_OBJECT

private slots:
    // Without an orchestrator a read is a clear error, not a crash.
    void readWithoutOrchestrator()
    {
        QThreadPool pool;
        const ChartLoader loader(nullptr, &pool);
        const Result<Bars> bars = loader.read(
            SeriesKey{u"crypto"_qs, u"demo"_qs, u"BTC/USDT"_qs, u"1m"_qs}, {0, kDayMs});
        QVERIFY(!bars);
        QCOMPARE(bars.error().kind(), Error::Kind::Internal);
    }

    // Only large loads release, and on the pool.
    void releasesAfterLargeLoadsOnly()
    {
        QThreadPool pool;
        const ChartLoader loader(nullptr, &pool);
        QVERIFY(!loader.releaseAfter(ChartLoader::kReleaseAfterBars - 1));
        QVERIFY(loader.releaseAfter(ChartLoader::kReleaseAfterBars));
        QVERIFY(pool.waitForDone(10000));
        QVERIFY(!ChartLoader(nullptr, nullptr).releaseAfter(ChartLoader::kReleaseAfterBars * 10));
    }

    // glibc keeps freed small blocks; the release hands them back.
    void releaseReturnsFreedHeap()
    {
#if defined(__GLIBC__)
        // Free runs of 63 blocks between kept ones: the holes hold whole pages, and the kept
        // blocks stop free() from trimming them off the top of the heap itself.
        std::vector<std::unique_ptr<char[]>> blocks;
        for (int i = 0; i < 16'384; ++i) {
            blocks.emplace_back(new char[4000]);
            blocks.back()[0] = char(i); // touched: resident
        }
        for (size_t i = 0; i < blocks.size(); ++i)
            if (i % 64 != 63)
                blocks[i].reset();
        QVERIFY(ChartLoader::releaseFreedHeap());
#else
        QVERIFY(!ChartLoader::releaseFreedHeap());
#endif
    }
};

QTEST_GUILESS_MAIN(TestChartLoader)
#include "tst_chartloader.moc"
