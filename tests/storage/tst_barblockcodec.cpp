// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/barblockcodec.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace barkeep;

namespace {

constexpr qint64 kDay = 1'704'067'200'000; // 2024-01-01 00:00 UTC

bool sameBits(double a, double b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// Encodes, decodes and compares every field bit for bit.
void roundTrip(const Bars &bars)
{
    std::string packed = "prefix"; // encode appends
    BarBlockCodec::encode(bars.data(), bars.size(), kDay, packed);
    QVERIFY(packed.compare(0, 6, "prefix") == 0);
    Bars back;
    QVERIFY(BarBlockCodec::decode(packed.data() + 6, packed.size() - 6, kDay,
                                  {std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max()},
                                  back));
    QCOMPARE(back.size(), bars.size());
    for (size_t i = 0; i < bars.size(); ++i) {
        const Bar &a = bars[i];
        const Bar &b = back[i];
        QCOMPARE(b.t, a.t);
        const double in[] = {a.o, a.h, a.l, a.c, a.v};
        const double out[] = {b.o, b.h, b.l, b.c, b.v};
        for (int f = 0; f < 5; ++f)
            QVERIFY2(sameBits(in[f], out[f]),
                     qPrintable(QStringLiteral("bar %1 field %2: %3 came back as %4")
                                    .arg(i)
                                    .arg(f)
                                    .arg(in[f], 0, 'g', 17)
                                    .arg(out[f], 0, 'g', 17)));
    }
}

Bars minutes(const std::vector<double> &values)
{
    Bars out;
    for (size_t i = 0; i < values.size(); ++i) {
        const double x = values[i];
        out.push_back({kDay + qint64(i) * kMinuteMs, x, x, x, x, std::fabs(x)});
    }
    return out;
}

} // namespace

class TstBarBlockCodec : public QObject
{
    Q_OBJECT
private slots:
    void shortDecimalsAreCompact()
    {
        QRandomGenerator rng(7);
        Bars bars;
        double price = 42000;
        for (int i = 0; i < 1440; ++i) {
            const double o = std::round(price * 100) / 100;
            price += (rng.generateDouble() - 0.5) * 40;
            const double c = std::round(price * 100) / 100;
            bars.push_back({kDay + i * kMinuteMs, o, std::max(o, c) + 1.25, std::min(o, c) - 0.5, c,
                            std::round(rng.generateDouble() * 5e6) / 1e5});
        }
        roundTrip(bars);
        std::string packed;
        BarBlockCodec::encode(bars.data(), bars.size(), kDay, packed);
        QVERIFY2(packed.size() < bars.size() * 16, qPrintable(QString::number(packed.size())));
    }
    // Values that are not short decimals, halfway cases of the rounding, signs, and values
    // near the 2^51 / 2^53 limits of the integer path: all must come back bit-exact.
    void awkwardValuesRoundTrip_data()
    {
        QTest::addColumn<std::vector<double>>("values");
        QTest::newRow("halves") << std::vector<double>{0.5, 1.5, 2.5, -0.5, -1.5, 2.25, 0.125};
        QTest::newRow("thirds") << std::vector<double>{1.0 / 3, 2.0 / 3, 100.0 / 3};
        QTest::newRow("negatives") << std::vector<double>{-42000.12, -0.01, -1e-12, 3};
        QTest::newRow("near 2^51") << std::vector<double>{2251799813685247.0, 2251799813685248.0,
                                                         2251799813685249.0, 1.5};
        QTest::newRow("near 2^53") << std::vector<double>{9007199254740991.0, 9007199254740992.0, 1};
        QTest::newRow("huge and tiny") << std::vector<double>{1e300, 5e-324, 1e-300, 7};
        QTest::newRow("zero and negative zero") << std::vector<double>{0.0, -0.0, 0.0};
        QTest::newRow("twelve decimals") << std::vector<double>{0.000000000001, 123.456789012345};
    }
    void awkwardValuesRoundTrip()
    {
        QFETCH(std::vector<double>, values);
        roundTrip(minutes(values));
    }
    void randomDoublesRoundTrip()
    {
        QRandomGenerator rng(11);
        for (int block = 0; block < 50; ++block) {
            Bars bars;
            qint64 t = kDay;
            const int digits = int(rng.bounded(15)); // 0..14: some fit a scale, some do not
            const double scale = std::pow(10.0, digits);
            for (int i = 0; i < 300; ++i) {
                t += kMinuteMs * (1 + rng.bounded(3)) + (block % 7 == 0 ? rng.bounded(1000) : 0);
                const auto value = [&] {
                    const double x = (rng.generateDouble() - 0.3) * std::pow(10.0, rng.bounded(12));
                    return std::round(x * scale) / scale;
                };
                bars.push_back({t, value(), value(), value(), value(), std::fabs(value())});
            }
            roundTrip(bars);
            if (QTest::currentTestFailed())
                return;
        }
    }

    // Blocks come back from a database file or server that may be corrupt: steps and deltas
    // whose sums do not fit in 64 bits are malformed, not wrapped (signed overflow is UB;
    // found by fuzz_barblock_codec, inputs in tests/fuzz/corpus/fuzz_barblock_codec/).
    void overflowingBlocksAreMalformed_data()
    {
        QTest::addColumn<QByteArray>("block");
        // version 1, minute steps, price and volume scale 0, one or two bars
        const QByteArray head("\x01\x00\x00\x00", 4);
        const QByteArray max63("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9);    // 2^63 - 1
        const QByteArray max64("\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10); // zig-zag 2^63 - 1
        const QByteArray zeros(4, '\0');
        QTest::newRow("step + 1") << QByteArray(head + '\x01' + max63 + zeros + '\0');
        QTest::newRow("step x minute") << QByteArray(head + '\x01' + QByteArray("\x80\x80\x80\x80\x80\x80\x80\x80\x10", 9)
                                               + zeros + '\0');
        const QByteArray quarter("\x88\xec\xcb\x93\xfb\xbc\x11", 7); // (this + 1) minutes ~ 2^62 ms
        QTest::newRow("time sum") << QByteArray(head + '\x02' + quarter + zeros + '\0' + quarter + zeros + '\0');
        QTest::newRow("close") << QByteArray(head + '\x01' + '\0' + max64 + max64 + '\0' + '\0' + '\0');
        QTest::newRow("high") << QByteArray(head + '\x01' + '\0' + max64 + '\0' + max64 + '\0' + '\0');
        QTest::newRow("low") << QByteArray(head + '\x01' + '\0' + QByteArray("\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10)
                                     + '\0' + '\0' + QByteArray("\x04", 1) + '\0');
        QTest::newRow("open") << QByteArray(head + '\x02' + '\0' + max64 + '\0' + '\0' + '\0' + '\0'
                                      + '\0' + max64 + '\0' + '\0' + '\0' + '\0');
    }
    void overflowingBlocksAreMalformed()
    {
        QFETCH(QByteArray, block);
        Bars out;
        QVERIFY(!BarBlockCodec::decode(block.constData(), size_t(block.size()), kDay,
                                       {std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max()},
                                       out));
    }
};

QTEST_GUILESS_MAIN(TstBarBlockCodec)
#include "tst_barblockcodec.moc"
