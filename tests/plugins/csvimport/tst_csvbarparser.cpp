// SPDX-License-Identifier: GPL-3.0-or-later
#include "csvbarparser.h"
#include "csvimportplugin.h"

#include <QBuffer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace barkeep;
using Parser = CsvBarParser;

Q_DECLARE_METATYPE(barkeep::CsvBarParser::Format)
Q_DECLARE_METATYPE(barkeep::CsvBarParser::TimeUnit)
Q_DECLARE_METATYPE(barkeep::CsvBarParser::Header)

namespace {

qint64 utc(const char *iso)
{
    return QDateTime::fromString(QLatin1String(iso), Qt::ISODate).toMSecsSinceEpoch();
}

Result<Parser::Parsed> parseBytes(const QByteArray &bytes, const Parser::Options &options = {})
{
    QBuffer buffer;
    buffer.setData(bytes);
    return Parser::parse(buffer, options);
}

QString describe(const Bars &bars)
{
    QStringList out;
    for (const Bar &b : bars)
        out << QStringLiteral("[%1 %2 %3 %4 %5 %6]").arg(b.t).arg(b.o).arg(b.h).arg(b.l).arg(b.c).arg(b.v);
    return out.join(u' ');
}

// Two real Binance archive rows (BTCUSDT 1m, 2024-01-01) and their µs twins from 2025 files.
const QByteArray kBinanceMs =
    "1704067200000,42283.58000000,42298.62000000,42283.58000000,42298.61000000,35.92724000,"
    "1704067259999,1519750.55498920,1327,17.82709000,754062.34596190,0\n"
    "1704067260000,42298.62000000,42320.00000000,42298.61000000,42320.00000000,21.07084000,"
    "1704067319999,891502.17924010,1054,12.92600000,546902.39213590,0\n";
const QByteArray kBinanceUs =
    "1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,"
    "1735689659999999,768978.45935410,2310,4.38210000,410018.45806840,0\n"
    "1735689660000000,93610.93000000,93652.00000000,93606.80000000,93648.79000000,10.52048000,"
    "1735689719999999,985064.18225340,2193,6.65706000,623350.69637500,0\n";

} // namespace

class TestCsvBarParser : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<QString>("timeZone");
        QTest::addColumn<Parser::TimeUnit>("unit");
        QTest::addColumn<Parser::Header>("header");
        QTest::addColumn<Parser::Format>("format");
        QTest::addColumn<Bars>("bars");
        const auto A = Parser::TimeUnit::Auto;
        const auto H = Parser::Header::Auto;

        QTest::newRow("binance ms")
            << kBinanceMs << QString() << A << H << Parser::Format::Binance
            << Bars{{1704067200000, 42283.58, 42298.62, 42283.58, 42298.61, 35.92724},
                    {1704067260000, 42298.62, 42320.00, 42298.61, 42320.00, 21.07084}};
        QTest::newRow("binance us")
            << kBinanceUs << QString() << A << H << Parser::Format::Binance
            << Bars{{1735689600000, 93576.00, 93610.93, 93537.50, 93610.93, 8.21827},
                    {1735689660000, 93610.93, 93652.00, 93606.80, 93648.79, 10.52048}};
        QTest::newRow("binance ms and us mixed, detected per value")
            << QByteArray(kBinanceMs + kBinanceUs) << QString() << A << H << Parser::Format::Binance
            << Bars{{1704067200000, 42283.58, 42298.62, 42283.58, 42298.61, 35.92724},
                    {1704067260000, 42298.62, 42320.00, 42298.61, 42320.00, 21.07084},
                    {1735689600000, 93576.00, 93610.93, 93537.50, 93610.93, 8.21827},
                    {1735689660000, 93610.93, 93652.00, 93606.80, 93648.79, 10.52048}};
        QTest::newRow("binance with futures-style header")
            << QByteArray("open_time,open,high,low,close,volume,close_time,quote_volume,count,"
                          "taker_buy_volume,taker_buy_quote_volume,ignore\n" + kBinanceMs)
            << QString() << A << H << Parser::Format::Binance
            << Bars{{1704067200000, 42283.58, 42298.62, 42283.58, 42298.61, 35.92724},
                    {1704067260000, 42298.62, 42320.00, 42298.61, 42320.00, 21.07084}};
        QTest::newRow("generic header seconds")
            << QByteArray("time,open,high,low,close,volume\n1704067200,1.5,2,1,1.75,10\n"
                          "1704067260,1.75,1.8,1.7,1.8,0\n")
            << QString() << A << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}, {1704067260000, 1.75, 1.8, 1.7, 1.8, 0}};
        QTest::newRow("generic no header ms")
            << QByteArray("1704067200000,1.5,2,1,1.75,10\n1704067260000,1.75,1.8,1.7,1.8,3.25\n")
            << QString() << A << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}, {1704067260000, 1.75, 1.8, 1.7, 1.8, 3.25}};
        QTest::newRow("generic no header, no volume")
            << QByteArray("1704067200000,1.5,2,1,1.75\n") << QString() << A << H
            << Parser::Format::Generic << Bars{{1704067200000, 1.5, 2, 1, 1.75, 0}};
        QTest::newRow("columns in another order, semicolons")
            << QByteArray("Close;Volume;Timestamp;Open;Low;High\n1.75;10;1704067200000;1.5;1;2\n")
            << QString() << A << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("tabs and short names")
            << QByteArray("t\to\th\tl\tc\tv\n1704067200\t1.5\t2\t1\t1.75\t10\n") << QString() << A
            << H << Parser::Format::Generic << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("date-time in New York (EST)")
            << QByteArray("date,open,high,low,close,volume\n2024-01-02 09:30,1.5,2,1,1.75,10\n")
            << QStringLiteral("America/New_York") << A << H << Parser::Format::Generic
            << Bars{{utc("2024-01-02T14:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("date-time in New York (EDT)")
            << QByteArray("date,open,high,low,close,volume\n2024-07-02 09:30:00,1.5,2,1,1.75,10\n")
            << QStringLiteral("America/New_York") << A << H << Parser::Format::Generic
            << Bars{{utc("2024-07-02T13:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("date-time with an offset option")
            << QByteArray("time,open,high,low,close,volume\n2024-01-02 09:30,1.5,2,1,1.75,10\n")
            << QStringLiteral("+01:00") << A << H << Parser::Format::Generic
            << Bars{{utc("2024-01-02T08:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("date-time UTC default, no header")
            << QByteArray("2024-01-02T09:30:00,1.5,2,1,1.75,10\n") << QString() << A << H
            << Parser::Format::Generic << Bars{{utc("2024-01-02T09:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("explicit zone in the value wins")
            << QByteArray("time,open,high,low,close,volume\n2024-01-02T09:30:00Z,1.5,2,1,1.75,10\n")
            << QStringLiteral("Asia/Tokyo") << A << H << Parser::Format::Generic
            << Bars{{utc("2024-01-02T09:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("separate date and time columns")
            << QByteArray("Date,Time,Open,High,Low,Close,Volume\n2024/01/02,09:30,1.5,2,1,1.75,10\n")
            << QStringLiteral("UTC-5") << A << H << Parser::Format::Generic
            << Bars{{utc("2024-01-02T14:30:00Z"), 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("explicit seconds")
            << QByteArray("1704067200,1.5,2,1,1.75,10\n") << QString() << Parser::TimeUnit::Seconds
            << H << Parser::Format::Generic << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("explicit ms, small values")
            << QByteArray("60000,1.5,2,1,1.75,10\n") << QString() << Parser::TimeUnit::Milliseconds
            << H << Parser::Format::Generic << Bars{{60000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("explicit us")
            << QByteArray("1704067200000000,1.5,2,1,1.75,10\n") << QString()
            << Parser::TimeUnit::Microseconds << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("fractional seconds")
            << QByteArray("1704067200.5,1.5,2,1,1.75,10\n") << QString() << A << H
            << Parser::Format::Generic << Bars{{1704067200500, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("quotes, CRLF, BOM, blank lines")
            << QByteArray("\xEF\xBB\xBF\"time\",\"open\",\"high\",\"low\",\"close\",\"volume\"\r\n\r\n"
                          "\"1704067200000\",\"1.5\",\"2\",\"1\",\"1.75\",\"10\"\r\n")
            << QString() << A << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("newest first is sorted")
            << QByteArray("1704067260000,1.75,1.8,1.7,1.8,3\n1704067200000,1.5,2,1,1.75,10\n")
            << QString() << A << H << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}, {1704067260000, 1.75, 1.8, 1.7, 1.8, 3}};
        QTest::newRow("header forced off reads the first line as data")
            << QByteArray("1704067200000,1.5,2,1,1.75,10\n") << QString() << A
            << Parser::Header::No << Parser::Format::Generic
            << Bars{{1704067200000, 1.5, 2, 1, 1.75, 10}};
        QTest::newRow("empty file") << QByteArray() << QString() << A << H << Parser::Format::Empty
                                    << Bars{};
        QTest::newRow("only blank lines") << QByteArray("\n  \r\n\n") << QString() << A << H
                                          << Parser::Format::Empty << Bars{};
        QTest::newRow("header only") << QByteArray("time,open,high,low,close,volume\n") << QString()
                                     << A << H << Parser::Format::Generic << Bars{};
    }
    void parse()
    {
        QFETCH(QByteArray, csv);
        QFETCH(QString, timeZone);
        QFETCH(Parser::TimeUnit, unit);
        QFETCH(Parser::Header, header);
        QFETCH(Parser::Format, format);
        QFETCH(Bars, bars);
        Parser::Options options;
        options.timeZone = timeZone;
        options.timeUnit = unit;
        options.header = header;
        const Result<Parser::Parsed> parsed = parseBytes(csv, options);
        QVERIFY2(parsed, parsed ? "" : qPrintable(parsed.error().toString()));
        QVERIFY2(parsed->badRows.isEmpty(),
                 qPrintable(parsed->badRows.isEmpty() ? QString() : parsed->badRows.first().reason));
        QCOMPARE(parsed->format, format);
        QVERIFY2(parsed->bars == bars, qPrintable(describe(parsed->bars) + u" != " + describe(bars)));
    }

    void badRowsAreReportedWithLineNumbers()
    {
        const QByteArray csv = "time,open,high,low,close,volume\n"   // 1
                               "1704067200,1.5,2,1,1.75,10\n"         // 2 good
                               "\n"                                   // 3 blank: skipped
                               "abc,1.5,2,1,1.75,10\n"                // 4 bad time
                               "1704067320,1.5,2\n"                   // 5 too few fields
                               "1704067380,1.5,2,x,1.75,10\n"         // 6 low not a number
                               "1704067440,1.5,1,2,1.75,10\n"         // 7 high below low
                               "1704067200,1.5,2,1,1.75,10\n"         // 8 duplicate of line 2
                               "1704067500,1.5,2,1,1.75,-1\n"         // 9 negative volume
                               "1704067560,1.5,2,1,1.75,10,7\n"       // 10 extra field: ok (header)
                               "1704067620,1.5,2,1,1.75,10\n";        // 11 good
        const Result<Parser::Parsed> parsed = parseBytes(csv);
        QVERIFY(parsed);
        QCOMPARE(parsed->bars.size(), size_t(3));
        QCOMPARE(parsed->dataRows, 9);
        QList<int> lines;
        for (const Parser::BadRow &r : parsed->badRows)
            lines << r.line;
        QCOMPARE(lines, (QList<int>{4, 5, 6, 7, 8, 9}));
        QVERIFY(parsed->badRows[0].reason.contains(QLatin1String("abc")));
        QVERIFY(parsed->badRows[1].reason.contains(QLatin1String("fields")));
        QVERIFY(parsed->badRows[2].reason.contains(QLatin1String("low")));
        QVERIFY(parsed->badRows[3].reason.contains(QLatin1String("inconsistent")));
        QVERIFY(parsed->badRows[4].reason.contains(QLatin1String("line 2")));
        QVERIFY(parsed->badRows[5].reason.contains(QLatin1String("volume")));
    }

    void binanceRowWithWrongFieldCount()
    {
        const QByteArray csv = kBinanceMs + "1704067320000,1,2,0.5,1.5,3\n";
        const Result<Parser::Parsed> parsed = parseBytes(csv);
        QVERIFY(parsed);
        QCOMPARE(parsed->bars.size(), size_t(2));
        QCOMPARE(parsed->badRows.size(), 1);
        QCOMPARE(parsed->badRows[0].line, 3);
        QVERIFY(parsed->badRows[0].reason.contains(QLatin1String("expected 12 fields")));
    }

    void daylightSavingGapIsABadRow()
    {
        Parser::Options o;
        o.timeZone = QStringLiteral("America/New_York");
        const Result<Parser::Parsed> parsed =
            parseBytes("time,open,high,low,close\n2024-03-10 02:30,1,1,1,1\n2024-03-10 03:30,1,1,1,1\n", o);
        QVERIFY(parsed);
        QCOMPARE(parsed->bars.size(), size_t(1));
        QCOMPARE(parsed->bars.front().t, utc("2024-03-10T07:30:00Z"));
        QCOMPARE(parsed->badRows.size(), 1);
        QCOMPARE(parsed->badRows[0].line, 2);
    }

    void fileLevelErrors_data()
    {
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<QString>("timeZone");
        QTest::addColumn<QString>("needle");
        QTest::newRow("unknown zone") << QByteArray("1,1,1,1,1\n") << "Mars/Olympus" << "Mars/Olympus";
        QTest::newRow("header without close")
            << QByteArray("time,open,high,low,volume\n1,1,1,1,1\n") << "" << "close";
        QTest::newRow("too few columns") << QByteArray("1704067200,1.5,2\n") << "" << "3 fields";
    }
    void fileLevelErrors()
    {
        QFETCH(QByteArray, csv);
        QFETCH(QString, timeZone);
        QFETCH(QString, needle);
        Parser::Options o;
        o.timeZone = timeZone;
        const Result<Parser::Parsed> parsed = parseBytes(csv, o);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind(), Error::Kind::BadInput);
        QVERIFY2(parsed.error().message().contains(needle), qPrintable(parsed.error().message()));
    }

    void timeZones_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("offsetJan"); // seconds east of UTC on 2024-01-02; -1 = invalid
        QTest::newRow("empty") << "" << 0;
        QTest::newRow("UTC") << "UTC" << 0;
        QTest::newRow("+02:00") << "+02:00" << 7200;
        QTest::newRow("-0530") << "-0530" << -19800;
        QTest::newRow("UTC-5") << "UTC-5" << -18000;
        QTest::newRow("IANA") << "Europe/Berlin" << 3600;
        QTest::newRow("bad") << "Nowhere/Land" << -1;
        QTest::newRow("bad offset") << "+25:00" << -1;
    }
    void timeZones()
    {
        QFETCH(QString, text);
        QFETCH(int, offsetJan);
        const Result<QTimeZone> z = Parser::parseTimeZone(text);
        if (offsetJan == -1) {
            QVERIFY(!z);
            return;
        }
        QVERIFY(z);
        QCOMPARE(z->offsetFromUtc(QDateTime(QDate(2024, 1, 2), QTime(12, 0), Qt::UTC)), offsetJan);
    }

    void coveredRange()
    {
        QCOMPARE(Parser::coveredRange({}), TimeRange{});
        const Bars bars{{120000, 1, 1, 1, 1, 1}, {60000, 1, 1, 1, 1, 1}, {300000, 1, 1, 1, 1, 1}};
        QCOMPARE(Parser::coveredRange(bars), (TimeRange{60000, 360000}));
    }

    void unreadableDevice()
    {
        QBuffer closedForReading;
        QVERIFY(closedForReading.open(QIODevice::WriteOnly));
        const Result<Parser::Parsed> parsed = Parser::parse(closedForReading);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind(), Error::Kind::BadInput);
    }

    // The provider never reads a file, whatever the symbol: files come in through
    // `barkeep import` (issue 15: a file: symbol made the server read /dev/zero).
    void pluginNeverReadsFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString good = dir.filePath(QStringLiteral("good.csv"));
        {
            QFile f(good);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(kBinanceMs);
        }
        CsvImportPlugin plugin{ProviderSettings{}};
        QCOMPARE(plugin.providerId(), QStringLiteral("csv"));
        QVERIFY(plugin.symbols()->isEmpty());
        for (const QString &symbol : QStringList{QStringLiteral("file:") + good, QStringLiteral("file://") + good, good,
                                      QStringLiteral("file:/dev/zero"), QStringLiteral("BTC/USDT")}) {
            BarRequest r;
            r.symbol = symbol;
            r.since = 1704067200000;
            r.until = 1704067200000 + kHourMs;
            const Result<BarBatch> batch = plugin.fetchBars(r);
            QVERIFY2(!batch, qPrintable(symbol));
            QCOMPARE(batch.error().kind(), Error::Kind::Unsupported);
            QVERIFY2(batch.error().message().contains(QLatin1String("barkeep import")),
                     qPrintable(batch.error().message()));
        }
    }

    // parseFile opens regular files only; a FIFO is refused without blocking (no writer ever
    // comes), a device and a directory are refused; a missing file is NotFound.
    void parseFileRegularOnly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString good = dir.filePath(QStringLiteral("good.csv"));
        {
            QFile f(good);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(kBinanceMs);
        }
        Result<Parser::Parsed> parsed = Parser::parseFile(good, {});
        QVERIFY2(parsed, parsed ? "" : qPrintable(parsed.error().toString()));
        QCOMPARE(parsed->bars.size(), size_t(2));

        const QString fifo = dir.filePath(QStringLiteral("pipe.csv"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QElapsedTimer t;
        t.start();
        parsed = Parser::parseFile(fifo, {});
        QVERIFY(!parsed);
        QVERIFY(t.elapsed() < 2000);
        QCOMPARE(parsed.error().kind(), Error::Kind::BadInput);
        QVERIFY2(parsed.error().message().contains(QLatin1String("FIFO")), qPrintable(parsed.error().message()));

        parsed = Parser::parseFile(QStringLiteral("/dev/zero"), {});
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().contains(QLatin1String("device")), qPrintable(parsed.error().message()));

        parsed = Parser::parseFile(dir.path(), {});
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().contains(QLatin1String("directory")), qPrintable(parsed.error().message()));

        parsed = Parser::parseFile(dir.filePath(QStringLiteral("missing.csv")), {});
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind(), Error::Kind::NotFound);
    }

    // A line past maxLineBytes ends the parse with an error naming it, and the device is not
    // read much past it (an endless stream without newlines is not held in memory).
    void lineLengthCapped()
    {
        Result<Parser::Parsed> parsed = parseBytes("time,open,high,low,close\n1704067200,1,1,1,1\n"
                                                   + QByteArray(5000, 'x') + "\n1704067320,1,1,1,1\n");
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind(), Error::Kind::BadInput);
        QVERIFY2(parsed.error().message().contains(QLatin1String("line 3 is longer than 4096 bytes")),
                 qPrintable(parsed.error().message()));

        Parser::Options small;
        small.maxLineBytes = 64;
        parsed = parseBytes("time,open,high,low,close\n" + QByteArray(200, '1'), small);
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().message().contains(QLatin1String("line 2")), qPrintable(parsed.error().message()));

        // A line at the cap is fine (with its \r).
        const QByteArray row = "1704067200,1,1,1,1";
        Parser::Options exact;
        exact.maxLineBytes = int(row.size());
        parsed = parseBytes(row + "\r\n", exact);
        QVERIFY2(parsed, parsed ? "" : qPrintable(parsed.error().toString()));
        QCOMPARE(parsed->bars.size(), size_t(1));

        // /dev/zero through parse(): stops at the cap instead of reading forever.
        QFile zero(QStringLiteral("/dev/zero"));
        QVERIFY(zero.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        QElapsedTimer t;
        t.start();
        parsed = Parser::parse(zero, {});
        QVERIFY(!parsed);
        QVERIFY(t.elapsed() < 5000);
        QVERIFY2(parsed.error().message().contains(QLatin1String("line 1 is longer")), qPrintable(parsed.error().message()));
    }

    // After maxBadRows bad rows the parse stops with a message naming the first one.
    void badRowsCapped()
    {
        QByteArray csv = "time,open,high,low,close\n";
        for (int i = 0; i < 50; ++i)
            csv += "nope,1,1,1,1\n";
        Parser::Options o;
        o.maxBadRows = 10;
        Result<Parser::Parsed> parsed = parseBytes(csv, o);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind(), Error::Kind::BadInput);
        QVERIFY2(parsed.error().message().contains(QLatin1String("10 bad rows"))
                     && parsed.error().message().contains(QLatin1String("line 2"))
                     && parsed.error().message().contains(QLatin1String("line 12")),
                 qPrintable(parsed.error().message()));
        // Up to the cap the rows are reported as before.
        o.maxBadRows = 50;
        parsed = parseBytes(csv, o);
        QVERIFY(parsed);
        QCOMPARE(parsed->badRows.size(), 50);
        // The default cap is 1000.
        QCOMPARE(Parser::Options().maxBadRows, 1000);
    }
};

QTEST_GUILESS_MAIN(TestCsvBarParser)
#include "tst_csvbarparser.moc"
