// SPDX-License-Identifier: GPL-3.0-or-later
// Wire checks (issue 17 item 5): an answer whose rows are not candles of the interval asked
// for (a provider or a proxy serving another one) is refused with the reason and never
// reaches the store; and the native timeframes as each fake serves them, the divergent daily
// candle included.
#include "binanceexchange.h"
#include "binancefake.h"
#include "coinbaseexchange.h"
#include "coinbasefake.h"
#include "cryptotest.h"
#include "krakenexchange.h"
#include "krakenfake.h"
#include "wirecheck.h"

#include <QDateTime>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;
using namespace barkeep::fakes;
using barkeep::test::offThread;

namespace {

Bars gridRows(qint64 from, qint64 step, int n, int skipEvery = 0)
{
    Bars out;
    for (int i = 0; i < n; ++i)
        if (!skipEvery || i % skipEvery)
            out.push_back(Bar{from + i * step, 1, 1, 1, 1, 1});
    return out;
}

std::unique_ptr<CryptoExchange> exchangeFor(const QString &provider, const QUrl &url)
{
    const ProviderSettings s = test::settingsFor(provider, url);
    auto context = std::make_shared<ProviderContext>();
    if (provider == u"binance")
        return std::make_unique<BinanceExchange>(s, context);
    if (provider == u"coinbase")
        return std::make_unique<CoinbaseExchange>(s, context);
    return std::make_unique<KrakenExchange>(s, context);
}

std::unique_ptr<FakeServer> fakeFor(const QString &provider)
{
    if (provider == u"binance")
        return std::make_unique<BinanceFake>(5);
    if (provider == u"coinbase")
        return std::make_unique<CoinbaseFake>(5);
    return std::make_unique<KrakenFake>(5);
}

QString nativeSymbol(const QString &provider)
{
    return provider == u"binance"    ? QStringLiteral("BTCUSDT")
           : provider == u"coinbase" ? QStringLiteral("BTC-USD")
                                     : QStringLiteral("XXBTZUSD");
}

} // namespace

class TestWireCheck : public QObject
{
    Q_OBJECT

private slots:
    void spacing()
    {
        const Timeframe m1 = Timeframe::minutes(1);
        const qint64 t0 = 1704067200000; // 2024-01-01, a Monday
        QVERIFY(!wire::spacingProblem({}, m1));
        QVERIFY(!wire::spacingProblem(gridRows(t0, kMinuteMs, 100, 7), m1)); // gaps are fine
        QVERIFY(!wire::spacingProblem(gridRows(t0, kHourMs, 15), m1));       // too few to judge
        const std::optional<QString> hours = wire::spacingProblem(gridRows(t0, kHourMs, 16), m1);
        QVERIFY(hours);
        QVERIFY2(hours->contains(u"multiples of 60"), qPrintable(*hours));
        const std::optional<QString> minutes
            = wire::spacingProblem(gridRows(t0 + kMinuteMs, kMinuteMs, 3), Timeframe::minutes(60));
        QVERIFY(minutes);
        QVERIFY2(minutes->contains(u"does not start a 1h bucket"), qPrintable(*minutes));
        // Weeks from Monday, months from the first.
        QVERIFY(!wire::spacingProblem(gridRows(t0, 7 * kDayMs, 30), *Timeframe::parse(QStringLiteral("1w"))));
        QVERIFY(wire::spacingProblem(gridRows(t0 + kDayMs, 7 * kDayMs, 2), *Timeframe::parse(QStringLiteral("1w"))));
        Bars months{Bar{t0, 1, 1, 1, 1, 1}, Bar{1706745600000, 1, 1, 1, 1, 1}}; // Jan 1, Feb 1
        QVERIFY(!wire::spacingProblem(months, *Timeframe::parse(QStringLiteral("1M"))));
        months.push_back(Bar{1706745600000 + kDayMs, 1, 1, 1, 1, 1});
        QVERIFY(wire::spacingProblem(months, *Timeframe::parse(QStringLiteral("1M"))));
        // Daily rows asked as 1d from a source serving weeks: all 7 days apart.
        QVERIFY(wire::spacingProblem(gridRows(t0, 7 * kDayMs, 20), Timeframe::minutes(1440)));
    }

    void mislabeledIntervalRefused_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<QString>("served");
        for (const QString p : {QStringLiteral("binance"), QStringLiteral("coinbase"),
                                QStringLiteral("kraken")}) {
            QTest::newRow(qPrintable(p + u": 1m asked, 1h served")) << p << "1m" << "1h";
            QTest::newRow(qPrintable(p + u": 1h asked, 1m served")) << p << "1h" << "1m";
            QTest::newRow(qPrintable(p + u": 1d asked, 1h served")) << p << "1d" << "1h";
        }
    }
    void mislabeledIntervalRefused()
    {
        QFETCH(QString, provider);
        QFETCH(QString, asked);
        QFETCH(QString, served);
        std::unique_ptr<FakeServer> fake = fakeFor(provider);
        fake->faults().requestsPerSecond = 0;
        fake->faults().mislabeledTimeframe = served;
        QVERIFY(fake->listen());
        auto plugin = exchangeFor(provider, fake->url());
        const Timeframe tf = *Timeframe::parse(asked);
        // 20 hours (Coinbase: enough 1h rows to judge; Kraken keeps 12 of them), or 30 days.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const qint64 span = tf.durationMs() >= kDayMs ? 30 * kDayMs : 20 * kHourMs;
        const qint64 since = tf.bucketStart(now - span);
        const Result<BarBatch> r = offThread([&] {
            return plugin->fetchBars({nativeSymbol(provider), asked, since, now});
        });
        QVERIFY2(!r, "the mislabeled answer was accepted");
        QCOMPARE(r.error().kind(), Error::Kind::BadResponse);
        QVERIFY2(r.error().message().contains(u"not stored"), qPrintable(r.error().toString()));
        QVERIFY2(r.error().message().contains(asked), qPrintable(r.error().toString()));

        // The same fetch without the fault is taken, and equals the fake's native truth.
        fake->faults().mislabeledTimeframe.clear();
        const Result<BarBatch> ok = offThread([&] {
            return plugin->fetchBars({nativeSymbol(provider), asked, since, now});
        });
        QVERIFY2(ok, qPrintable(ok ? QString() : ok.error().toString()));
        QVERIFY(!ok->bars.empty());
        QVERIFY(ok->bars == fake->groundTruth(nativeSymbol(provider), ok->covered, asked));
    }

    // The native daily candles as fetched: the divergent day is the provider's own candle,
    // not the rollup of its minutes.
    void nativeDailyCandle_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::newRow("binance") << QStringLiteral("binance");
        QTest::newRow("coinbase") << QStringLiteral("coinbase");
        QTest::newRow("kraken") << QStringLiteral("kraken");
    }
    void nativeDailyCandle()
    {
        QFETCH(QString, provider);
        std::unique_ptr<FakeServer> fake = fakeFor(provider);
        fake->faults().requestsPerSecond = 0;
        QVERIFY(fake->listen());
        auto plugin = exchangeFor(provider, fake->url());
        const qint64 day = fake->truth().divergentDay();
        const Result<BarBatch> r = offThread([&] {
            return plugin->fetchBars(
                {nativeSymbol(provider), QStringLiteral("1d"), day - 10 * kDayMs, day + 2 * kDayMs});
        });
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->bars.size(), std::size_t(12));
        QCOMPARE(r->requests, 1);
        const Bars rollup = fake->truth().bars(nativeSymbol(provider), {day - 10 * kDayMs, day + 2 * kDayMs},
                                               Timeframe::minutes(1440));
        for (std::size_t i = 0; i < r->bars.size(); ++i) {
            if (r->bars[i].t == day)
                QVERIFY(r->bars[i].v > rollup[i].v && r->bars[i].h > rollup[i].h);
            else
                QCOMPARE(r->bars[i], rollup[i]);
        }
    }
};

QTEST_MAIN(TestWireCheck)
#include "tst_wirecheck.moc"
