// SPDX-License-Identifier: GPL-3.0-or-later
// A provider answering garbage, truncated, huge or very slow responses to a headless
// instance's backfill (POST /api/v1/backfills, Binance fake): the job ends `failed` with an
// error that says what was wrong, and nothing from those answers is stored (no bars, no
// coverage); once the provider behaves, the same backfill completes with the ground truth.
// A slow answer (past the 30 s request timeout) is retried and never stored half.
#include "binancefake.h"
#include "faulttest.h"
#include "headlessinstance.h"

#include <QHttpServerRequest>
#include <QTest>

using namespace barkeep;
using namespace barkeep::test;

namespace {
enum class Hostile { None, Garbage, Truncated, Huge, Html, Slow };

// The Binance fake with answers its FaultPlan cannot make: a klines body of many MB, an
// HTML error page with status 200, and a fault limited to the first requests.
class HostileBinance : public fakes::BinanceFake
{
public:
    using BinanceFake::BinanceFake;
    Hostile mode = Hostile::None;
    int slowLeft = 1; // Slow: how many klines answers come late
    int hostileRequests = 0;

protected:
    Reply answer(const QHttpServerRequest &request) override
    {
        // Only klines answers turn hostile (the symbol list stays good, so the fault hits
        // the bars path); the FaultPlan knobs are read after answer() for this request.
        const bool klines = request.url().path() == QLatin1String("/api/v3/klines");
        m_faults.malformedRate = klines && mode == Hostile::Garbage ? 1.0 : 0.0;
        m_faults.truncatedRate = klines && mode == Hostile::Truncated ? 1.0 : 0.0;
        m_faults.latencyMs = klines && mode == Hostile::Slow && slowLeft-- > 0 ? 31'000 : 0;
        if (!klines || mode == Hostile::None)
            return BinanceFake::answer(request);
        ++hostileRequests;
        switch (mode) {
        case Hostile::Huge: {
            // 24 MB: a klines array whose rows all share one open time (never valid), so a
            // parser that accepted it would store nonsense.
            const QByteArray row = "[1704067200000,\"1.0\",\"2.0\",\"0.5\",\"1.5\",\"10.0\",1704067259999,\"15\",3,\"5\",\"7\",\"0\"],";
            QByteArray body;
            body.reserve(24 << 20);
            body += '[';
            while (body.size() < (24 << 20))
                body += row;
            body.chop(1);
            body += ']';
            return json(200, body);
        }
        case Hostile::Html: {
            Reply r = json(200, "<html><body><h1>502 Bad Gateway</h1>cloudflare</body></html>");
            r.contentType = "text/html";
            return r;
        }
        default:
            return BinanceFake::answer(request);
        }
    }
};
} // namespace

class TestFaultProvider : public QObject
{
    Q_OBJECT

private slots:
    void hostileAnswers_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("errorHint");
        QTest::newRow("garbage JSON") << int(Hostile::Garbage) << QStringLiteral("JSON");
        QTest::newRow("truncated body") << int(Hostile::Truncated) << QStringLiteral("JSON");
        QTest::newRow("huge body") << int(Hostile::Huge) << QStringLiteral("row");
        QTest::newRow("HTML with 200") << int(Hostile::Html) << QStringLiteral("JSON");
    }

    void hostileAnswers()
    {
        QFETCH(int, mode);
        QFETCH(QString, errorHint);
        HostileBinance fake(41);
        fake.mode = Hostile(mode);
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        const QString storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bk.db"));
        HeadlessInstance bk({QStringLiteral("store.url=") + storeUrl,
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                             QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 8, 1), utc(2023, 8, 2)}; // 1440 min: 2 chunks
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        QTRY_VERIFY_WITH_TIMEOUT(QStringList({QStringLiteral("failed"), QStringLiteral("done")})
                                     .contains(bk.job(id).value(QStringLiteral("state")).toString()),
                                 120'000);
        const QJsonObject job = bk.job(id);
        QCOMPARE(job.value(QStringLiteral("state")).toString(), QStringLiteral("failed"));
        const QString error = job.value(QStringLiteral("error")).toString();
        qInfo("job error: %s", qPrintable(error));
        QVERIFY2(!error.isEmpty(), "a failed job says why");
        QVERIFY2(error.contains(errorHint, Qt::CaseInsensitive) || error.contains(QStringLiteral("Binance")),
                 qPrintable(error));
        QVERIFY(fake.requestCount(QStringLiteral("/api/v3/klines")) >= 2); // retried, then gave up
        QVERIFY(bk.get(QStringLiteral("/api/v1/health")).status == 200);  // the instance lives on

        // Nothing stored from the bad answers: no bars and no coverage claimed.
        {
            auto store = openStore(storeUrl);
            QVERIFY(store);
            QVERIFY(store->readBars(kBinanceBtc, range)->empty());
            QCOMPARE(coveredMinutes(store.get(), kBinanceBtc, range), 0);
        }

        // The provider recovers: the same backfill now completes with the exchange's bars.
        fake.mode = Hostile::None;
        const qint64 again = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY(again > 0);
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(again).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 60'000);
        QVERIFY(bk.terminate());
        auto store = openStore(storeUrl);
        QVERIFY(store);
        QVERIFY(*store->readBars(kBinanceBtc, range) == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
    }

    // Past HttpClient's 30 s transfer timeout: the request is abandoned and retried, and the
    // late answer never reaches the store twice or half.
    void slowAnswerIsRetried()
    {
        HostileBinance fake(43);
        fake.mode = Hostile::Slow;
        QVERIFY(fake.listen());
        QTemporaryDir dir;
        const QString storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bk.db"));
        HeadlessInstance bk({QStringLiteral("store.url=") + storeUrl,
                             QStringLiteral("providers.binance.baseUrl=") + fake.url().toString(),
                             QStringLiteral("providers.binance.archiveUrl=") + fake.url().toString(),
                             QStringLiteral("backfill.useArchive=false")});
        QVERIFY2(bk.start(), bk.log().constData());
        const TimeRange range{utc(2023, 9, 1), utc(2023, 9, 1, 12)}; // 720 min: 1 chunk
        const qint64 id = bk.startBackfill(QStringLiteral("binance"), QStringLiteral("BTC/USDT"), range.from, range.to);
        QVERIFY2(id > 0, bk.log().constData());
        // The first klines answer comes after the client's timeout; the retry is answered.
        QTRY_COMPARE_WITH_TIMEOUT(bk.job(id).value(QStringLiteral("state")).toString(), QStringLiteral("done"), 120'000);
        QVERIFY(fake.requestCount(QStringLiteral("/api/v3/klines")) >= 2);
        QVERIFY(bk.terminate());
        auto store = openStore(storeUrl);
        QVERIFY(store);
        QVERIFY(*store->readBars(kBinanceBtc, range) == fake.groundTruth(QStringLiteral("BTCUSDT"), range));
    }
};

QTEST_GUILESS_MAIN(TestFaultProvider)
#include "tst_faultprovider.moc"
