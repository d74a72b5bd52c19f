// SPDX-License-Identifier: GPL-3.0-or-later
#include "api/barjsonencoder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

#include <limits>

using namespace barkeep;

class TstBarJsonEncoder : public QObject
{
    Q_OBJECT

private slots:
    // The hand encoder must produce JSON that a standard parser reads back to the same doubles.
    void roundTripsExactly()
    {
        QRandomGenerator rng(7);
        Bars bars;
        for (int i = 0; i < 2000; ++i) {
            const double p = rng.generateDouble() * 100000;
            bars.push_back({1700000000000LL + i * 60000LL, p, p * 1.01, p * 0.99, p * 1.0001,
                            rng.generateDouble() * 1e6});
        }
        bars.push_back({-60000, 0.1, 0.3, 1e-300, 1e300, 0});
        QByteArray out;
        BarJsonEncoder::appendBars(out, bars);
        QJsonParseError err;
        const QJsonArray arr = QJsonDocument::fromJson(out, &err).array();
        QCOMPARE(err.error, QJsonParseError::NoError);
        QCOMPARE(arr.size(), qsizetype(bars.size()));
        for (size_t i = 0; i < bars.size(); ++i) {
            const QJsonArray row = arr[qsizetype(i)].toArray();
            QCOMPARE(row[0].toInteger(), bars[i].t);
            QCOMPARE(row[1].toDouble(), bars[i].o);
            QCOMPARE(row[2].toDouble(), bars[i].h);
            QCOMPARE(row[3].toDouble(), bars[i].l);
            QCOMPARE(row[4].toDouble(), bars[i].c);
            QCOMPARE(row[5].toDouble(), bars[i].v);
        }
    }

    void nonFiniteIsNull()
    {
        QByteArray out;
        BarJsonEncoder::appendBar(out, {0, std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::infinity(), 1, 1, 1});
        QCOMPARE(out, QByteArray("[0,null,null,1,1,1]"));
    }

    void csv()
    {
        const QByteArray out = BarJsonEncoder::csv({{60000, 1.5, 2, 1, 1.25, 10}});
        QCOMPARE(out, QByteArray("t,open,high,low,close,volume\n60000,1.5,2,1,1.25,10\n"));
    }
};

QTEST_GUILESS_MAIN(TstBarJsonEncoder)
#include "tst_barjsonencoder.moc"
