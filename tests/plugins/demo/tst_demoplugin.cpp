// SPDX-License-Identifier: GPL-3.0-or-later
#include "demogenerator.h"
#include "demoplugin.h"

#include <QDateTime>
#include <QTest>

using namespace barkeep;
using namespace barkeep::demo;

class TstDemoPlugin : public QObject
{
    Q_OBJECT

    static constexpr qint64 kJan2024 = 1704067200000LL; // 2024-01-01T00:00Z

private slots:
    // The same range gives the same bars, whatever was asked before and in what pieces.
    void deterministic()
    {
        const DemoGenerator a(42), b(42), other(43);
        const TimeRange day{kJan2024, kJan2024 + kDayMs};
        const Bars whole = a.bars(QStringLiteral("BTC/USDT"), day);
        Bars pieces = b.bars(QStringLiteral("BTC/USDT"), {day.from + kDayMs / 2, day.to});
        const Bars first = b.bars(QStringLiteral("BTC/USDT"), {day.from, day.from + kDayMs / 2});
        pieces.insert(pieces.begin(), first.begin(), first.end());
        QCOMPARE(whole.size(), pieces.size());
        QVERIFY(whole == pieces);
        QVERIFY(!(whole == other.bars(QStringLiteral("BTC/USDT"), day)));
    }

    void realisticBars_data()
    {
        QTest::addColumn<QString>("symbol");
        for (const QString &s : DemoGenerator::symbols())
            QTest::newRow(qPrintable(s)) << s;
    }
    void realisticBars()
    {
        QFETCH(QString, symbol);
        const DemoGenerator g;
        const Bars bars = g.bars(symbol, {kJan2024, kJan2024 + 30 * kDayMs});
        QVERIFY(bars.size() > 30 * 1440 * 8 / 10);
        double maxMove = 0;
        for (size_t i = 0; i < bars.size(); ++i) {
            const Bar &b = bars[i];
            QVERIFY(b.isFinite());
            QVERIFY(b.t % kMinuteMs == 0);
            QVERIFY(b.h >= std::max(b.o, b.c));
            QVERIFY(b.l <= std::min(b.o, b.c));
            QVERIFY(b.l > 0);
            QVERIFY(b.v > 0);
            if (i)
                QVERIFY(b.t > bars[i - 1].t);
            maxMove = std::max(maxMove, std::abs(b.c - b.o) / b.o);
        }
        QVERIFY2(maxMove < 0.05, "no 5 % candle in a minute");
        QVERIFY2(maxMove > 0.0005, "prices move");
    }

    // A new user sees holes: exchange outages (all symbols) and no-trade minutes (illiquid).
    void deliberateHoles()
    {
        const DemoGenerator g;
        const TimeRange year{kJan2024, kJan2024 + 365 * kDayMs};
        qint64 outageMinutes = 0;
        for (qint64 t = year.from; t < year.to; t += kMinuteMs)
            outageMinutes += g.isOutage(t) ? 1 : 0;
        QVERIFY2(outageMinutes > 5 * 60 && outageMinutes < 40 * 24 * 60, "a few outages a year");
        // During an outage no symbol has a bar.
        qint64 t = year.from;
        while (!g.isOutage(t))
            t += kMinuteMs;
        for (const QString &s : DemoGenerator::symbols())
            QVERIFY(!g.barAt(s, t));
        // DOGE has no-trade minutes outside outages, BTC none.
        const TimeRange day{kJan2024 + 100 * kDayMs, kJan2024 + 101 * kDayMs};
        qint64 expected = 0;
        for (qint64 m = day.from; m < day.to; m += kMinuteMs)
            expected += g.isOutage(m) ? 0 : 1;
        QCOMPARE(qint64(g.bars(QStringLiteral("BTC/USDT"), day).size()), expected);
        QVERIFY(qint64(g.bars(QStringLiteral("DOGE/USDT"), day).size()) < expected - 10);
    }

    void pluginContract()
    {
        DemoPlugin plugin(ProviderSettings{});
        Result<QList<SymbolInfo>> symbols = plugin.symbols();
        QVERIFY(symbols);
        QCOMPARE(symbols->first().native, QStringLiteral("BTCUSDT"));

        BarRequest req;
        req.symbol = QStringLiteral("ETH/USDT");
        req.since = kJan2024;
        req.until = kJan2024 + kHourMs;
        Result<BarBatch> batch = plugin.fetchBars(req);
        QVERIFY(batch);
        QCOMPARE(batch->covered, (TimeRange{req.since, req.until}));
        QVERIFY(!batch->bars.empty());
        QVERIFY(batch->bars.front().t >= req.since && batch->bars.back().t < req.until);

        // The forming minute is never part of the answer.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        req.since = now - 10 * kMinuteMs;
        req.until = now + kHourMs;
        batch = plugin.fetchBars(req);
        // The plugin reads its own clock, which may already be in the next minute: the bound
        // is the minute forming after the call.
        const qint64 forming = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
        QVERIFY(batch);
        QVERIFY(batch->covered.to <= forming);
        QVERIFY(batch->bars.empty() || batch->bars.back().t + kMinuteMs <= forming);

        req.timeframe = QStringLiteral("5m");
        QCOMPARE(plugin.fetchBars(req).error().kind(), Error::Kind::Unsupported);
        req.timeframe = QStringLiteral("1m");
        req.symbol = QStringLiteral("NOPE/USDT");
        QCOMPARE(plugin.fetchBars(req).error().kind(), Error::Kind::NotFound);
    }
};

QTEST_GUILESS_MAIN(TstDemoPlugin)
#include "tst_demoplugin.moc"
