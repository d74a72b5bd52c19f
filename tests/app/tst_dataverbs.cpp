// SPDX-License-Identifier: GPL-3.0-or-later
// `barkeep import` and `barkeep export` as a user runs them: a CSV in, the same bars and an
// honest coverage manifest out; bad rows refused with their line numbers, nothing stored.
#include "demogenerator.h"
#include "support/testsupport.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TstDataVerbs : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    struct Run
    {
        int exitCode;
        QString err;
        QByteArray out;
    };

    Run barkeep(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &k : env.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")))
                env.remove(k);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
        p.setProcessEnvironment(env);
        p.start(barkeep::test::barkeepBinary(), args);
        if (!p.waitForFinished(60000))
            return {-1, QStringLiteral("timeout"), {}};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardError()), p.readAllStandardOutput()};
    }

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return path;
    }

    static QByteArray read(const QString &path)
    {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }

private slots:
    void importThenExportRoundTrips()
    {
        // Two hours of minutes with one no-trade minute (10:05).
        QByteArray csv = "time,open,high,low,close,volume\n";
        const qint64 t0 = 1704103200000LL; // 2024-01-01T10:00Z
        int rows = 0;
        for (int m = 0; m < 120; ++m) {
            if (m == 5)
                continue;
            const double o = 100 + m;
            csv += QByteArray::number(t0 + m * 60000LL) + ',' + QByteArray::number(o) + ','
                + QByteArray::number(o + 2) + ',' + QByteArray::number(o - 1) + ','
                + QByteArray::number(o + 1) + ",1.5\n";
            ++rows;
        }
        const QString in = write(QStringLiteral("in.csv"), csv);
        const QStringList importArgs{QStringLiteral("import"), QStringLiteral("--symbol"),
                                     QStringLiteral("TEST/USD"), in};
        Run r = barkeep(importArgs);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("%1 bars imported").arg(rows)));
        // Idempotent: a second import changes nothing.
        QCOMPARE(barkeep(importArgs).exitCode, 0);

        const QString out = m_dir.filePath(QStringLiteral("out.csv"));
        r = barkeep({QStringLiteral("export"), QStringLiteral("--provider"), QStringLiteral("csv"),
                     QStringLiteral("--symbol"), QStringLiteral("TEST/USD"), QStringLiteral("--since"),
                     QString::number(t0 - 3600000), QStringLiteral("--until"), QString::number(t0 + 7200000),
                     QStringLiteral("--out"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QList<QByteArray> lines = read(out).trimmed().split('\n');
        QCOMPARE(lines.size(), rows + 1);
        QCOMPARE(lines[1], QByteArray("1704103200000,100,102,99,101,1.5"));

        const QJsonObject manifest = QJsonDocument::fromJson(read(out + QStringLiteral(".manifest.json"))).object();
        QCOMPARE(manifest.value(QStringLiteral("barCount")).toInt(), rows);
        // The hour before the file was never fetched; the missing minute is empty, not a gap.
        const QJsonArray gaps = manifest.value(QStringLiteral("gaps")).toArray();
        QCOMPARE(gaps.size(), 1);
        QCOMPARE(gaps[0].toArray()[1].toInteger(), t0);
        const QJsonArray empty = manifest.value(QStringLiteral("empty")).toArray();
        QCOMPARE(empty.size(), 1);
        QCOMPARE(empty[0].toArray()[0].toInteger(), t0 + 5 * 60000);
        QCOMPARE(manifest.value(QStringLiteral("csv")).toObject().value(QStringLiteral("sha256")).toString(),
                 QString::fromLatin1(QCryptographicHash::hash(read(out), QCryptographicHash::Sha256).toHex()));
        QCOMPARE(manifest.value(QStringLiteral("sources")).toArray().at(0).toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("native:1m"));

        // Hourly (issue 17): no native 1h candles stored, so the two complete hours are rolled
        // up from the minutes and the manifest says so.
        r = barkeep({QStringLiteral("export"), QStringLiteral("--provider"), QStringLiteral("csv"),
                     QStringLiteral("--symbol"), QStringLiteral("TEST/USD"), QStringLiteral("--timeframe"), QStringLiteral("1h"),
                     QStringLiteral("--since"), QString::number(t0 - 3600000), QStringLiteral("--until"),
                     QString::number(t0 + 7200000), QStringLiteral("--out"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(read(out).trimmed().split('\n').size(), 3);
        const QJsonArray hourly = QJsonDocument::fromJson(read(out + QStringLiteral(".manifest.json")))
                                      .object().value(QStringLiteral("sources")).toArray();
        QCOMPARE(hourly.size(), 1);
        QCOMPARE(hourly[0].toObject().value(QStringLiteral("source")).toString(), QStringLiteral("rollup:1m"));
        QCOMPARE(hourly[0].toObject().value(QStringLiteral("from")).toInteger(), t0);
        QCOMPARE(hourly[0].toObject().value(QStringLiteral("to")).toInteger(), t0 + 7200000);
    }

    // An exchange's archive file goes into that provider's series (issue 21): --provider
    // binance fills binance's BTC/USDT, read back from there, and nothing lands under csv.
    void importIntoProviderSeries()
    {
        QByteArray csv; // Binance kline archive rows: open time, o, h, l, c, v, close time, ...
        const qint64 t0 = 1704106800000LL; // 2024-01-01T11:00Z
        for (int m = 0; m < 30; ++m)
            csv += QByteArray::number(t0 + m * 60000LL) + ",42000.5,42010,41990,42005.25,3.5,"
                + QByteArray::number(t0 + m * 60000LL + 59999) + ",147000.1,120,1.2,50400.3,0\n";
        const QString in = write(QStringLiteral("BTCUSDT-1m-2024-01-01.csv"), csv);
        Run r = barkeep({QStringLiteral("import"), QStringLiteral("--provider"), QStringLiteral("binance"),
                         QStringLiteral("--symbol"), QStringLiteral("BTC/USDT"), in});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("30 bars imported into crypto/binance/BTC/USDT")), qPrintable(r.err));
        const auto exported = [this, t0](const QString &provider) {
            const QString out = m_dir.filePath(QStringLiteral("out-%1.csv").arg(provider));
            const Run e = barkeep({QStringLiteral("export"), QStringLiteral("--provider"), provider,
                                   QStringLiteral("--symbol"), QStringLiteral("BTC/USDT"), QStringLiteral("--since"),
                                   QString::number(t0), QStringLiteral("--until"), QString::number(t0 + 30 * 60000LL),
                                   QStringLiteral("--out"), out});
            return e.exitCode == 0 ? read(out).trimmed().split('\n').size() - 1 : -1;
        };
        QCOMPARE(exported(QStringLiteral("binance")), 30);
        QVERIFY(exported(QStringLiteral("csv")) <= 0);
        // Every verb answers --help; import's names --provider.
        r = barkeep({QStringLiteral("import"), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QString(r.err + QString::fromUtf8(r.out)).contains(QStringLiteral("--provider")), qPrintable(r.err));
    }

    void badRowsAreRefusedWithLineNumbers()
    {
        const QString in = write(QStringLiteral("bad.csv"),
                                 "t,o,h,l,c,v\n"
                                 "1704103200000,1,2,0.5,1.5,3\n"
                                 "1704103260000,1,2,0.5,oops,3\n"
                                 "1704103320000,1,0.5,0.2,1.5,3\n"
                                 "1704103380000,1,2,0.5,1.5,3\n");
        const QStringList args{QStringLiteral("import"), QStringLiteral("--symbol"), QStringLiteral("BAD/USD"), in};
        Run r = barkeep(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("bad.csv:3:")) && r.err.contains(QStringLiteral("bad.csv:4:")), qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("nothing imported")));

        const QString out = m_dir.filePath(QStringLiteral("bad-out.csv"));
        const QStringList exportArgs{QStringLiteral("export"), QStringLiteral("--provider"), QStringLiteral("csv"),
                                     QStringLiteral("--symbol"), QStringLiteral("BAD/USD"), QStringLiteral("--since"),
                                     QStringLiteral("1704103200000"), QStringLiteral("--until"),
                                     QStringLiteral("1704103440000"), QStringLiteral("--out"), out};
        QCOMPARE(barkeep(exportArgs).exitCode, 0);
        QCOMPARE(read(out).trimmed().split('\n').size(), 1); // header only: nothing was stored

        // --skip-bad imports the good rows, and covers only what the file shows for sure.
        r = barkeep(args + QStringList{QStringLiteral("--skip-bad")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(barkeep(exportArgs).exitCode, 0);
        QCOMPARE(read(out).trimmed().split('\n').size(), 3);
        const QJsonObject manifest = QJsonDocument::fromJson(read(out + QStringLiteral(".manifest.json"))).object();
        QCOMPARE(manifest.value(QStringLiteral("empty")).toArray().size(), 0);
        QCOMPARE(manifest.value(QStringLiteral("gaps")).toArray().size(), 1); // the two bad minutes
    }

    // `barkeep ohlcv` for scripts: the demo's bars on stdout as CSV (the default) or a JSON array,
    // any timeframe; nothing but the bars on stdout.
    void ohlcvVerbCsvAndJson()
    {
        const qint64 t0 = 1704067200000LL; // 2024-01-01T00:00Z
        const qint64 hour = 3600000LL;
        const barkeep::Bars truth = barkeep::demo::DemoGenerator().bars(QStringLiteral("BTC/USDT"), {t0, t0 + hour});
        QCOMPARE(truth.size(), size_t(60));
        const QStringList series{QStringLiteral("ohlcv"), QStringLiteral("--provider"), QStringLiteral("demo"),
                                 QStringLiteral("--symbol"), QStringLiteral("BTC/USDT"), QStringLiteral("--since"),
                                 QString::number(t0), QStringLiteral("--until"), QString::number(t0 + hour)};
        Run r = barkeep(series);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 61);
        QCOMPARE(lines[0], QByteArray("t,open,high,low,close,volume"));
        for (int i = 0; i < 60; ++i) {
            const QList<QByteArray> f = lines[i + 1].split(',');
            QCOMPARE(f.size(), 6);
            QCOMPARE(f[0].toLongLong(), truth[size_t(i)].t);
            QCOMPARE(f[1].toDouble(), truth[size_t(i)].o);
            QCOMPARE(f[4].toDouble(), truth[size_t(i)].c);
            QCOMPARE(f[5].toDouble(), truth[size_t(i)].v);
        }

        r = barkeep(series + QStringList{QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &perr);
        QVERIFY2(perr.error == QJsonParseError::NoError && doc.isArray(), r.out.left(200).constData());
        const QJsonArray bars = doc.array();
        QCOMPARE(bars.size(), 60);
        for (int i = 0; i < 60; ++i) {
            const QJsonArray b = bars[i].toArray();
            QCOMPARE(b[0].toInteger(), truth[size_t(i)].t);
            QCOMPARE(b[2].toDouble(), truth[size_t(i)].h);
            QCOMPARE(b[3].toDouble(), truth[size_t(i)].l);
        }

        r = barkeep(series + QStringList{QStringLiteral("--timeframe"), QStringLiteral("15m"), QStringLiteral("--format"),
                                         QStringLiteral("json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 4);
        QCOMPARE(QJsonDocument::fromJson(r.out).array()[1].toArray()[0].toInteger(), t0 + 15 * 60000);
    }

    // Bad input to `barkeep ohlcv` is a clear message on stderr and a non-zero exit, never a
    // crash and never bars on stdout.
    void ohlcvVerbBadInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mentions");
        const QStringList range{QStringLiteral("--since"), QStringLiteral("2024-01-01"), QStringLiteral("--until"),
                                QStringLiteral("2024-01-02")};
        auto with = [&range](const QString &provider, const QString &symbol, const QStringList &more = {}) {
            return QStringList{QStringLiteral("ohlcv"), QStringLiteral("--provider"), provider, QStringLiteral("--symbol"), symbol}
                + range + more;
        };
        QTest::newRow("format") << with(QStringLiteral("demo"), QStringLiteral("BTC/USDT"), {QStringLiteral("--format"), QStringLiteral("xml")})
                                << 2 << QStringLiteral("--format must be csv or json");
        QTest::newRow("no symbol") << (QStringList{QStringLiteral("ohlcv"), QStringLiteral("--provider"), QStringLiteral("demo")} + range)
                                   << 2 << QStringLiteral("--symbol is required");
        QTest::newRow("unknown provider") << with(QStringLiteral("nope"), QStringLiteral("BTC/USDT")) << 1 << QStringLiteral("nope");
        QTest::newRow("unknown market") << with(QStringLiteral("demo"), QStringLiteral("BTC/USDT"), {QStringLiteral("--market"), QStringLiteral("moon")})
                                        << 1 << QStringLiteral("moon");
        QTest::newRow("unknown symbol") << with(QStringLiteral("demo"), QStringLiteral("NOPE/USD")) << 1 << QStringLiteral("NOPE/USD");
        QTest::newRow("bad timeframe") << with(QStringLiteral("demo"), QStringLiteral("BTC/USDT"), {QStringLiteral("--timeframe"), QStringLiteral("7x")})
                                       << 1 << QStringLiteral("7x");
        QTest::newRow("unknown option") << with(QStringLiteral("demo"), QStringLiteral("BTC/USDT"), {QStringLiteral("--colour")})
                                        << 2 << QStringLiteral("colour");
    }
    void ohlcvVerbBadInput()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        const Run r = barkeep(args);
        QVERIFY2(r.exitCode == exitCode, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err)));
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY2(r.out.isEmpty(), r.out.left(200).constData());
    }

    void usageProblemsExitTwo()
    {
        QCOMPARE(barkeep({QStringLiteral("import")}).exitCode, 2);
        QCOMPARE(barkeep({QStringLiteral("export"), QStringLiteral("--provider"), QStringLiteral("csv")}).exitCode, 2);
        QCOMPARE(barkeep({QStringLiteral("import"), QStringLiteral("--symbol"), QStringLiteral("X"),
                          m_dir.filePath(QStringLiteral("missing.csv"))}).exitCode, 2);
        // Every range verb checks its range the same way, and lists every problem at once.
        for (const QString &verb : {QStringLiteral("ohlcv"), QStringLiteral("export")}) {
            QStringList args{verb, QStringLiteral("--provider"), QStringLiteral("demo"), QStringLiteral("--symbol"),
                             QStringLiteral("BTC/USDT"), QStringLiteral("--since"), QStringLiteral("2024-01-02"),
                             QStringLiteral("--until"), QStringLiteral("2024-01-01")};
            if (verb == QLatin1String("export"))
                args << QStringLiteral("--out") << m_dir.filePath(QStringLiteral("never.csv"));
            const Run r = barkeep(args);
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains(QStringLiteral("--until must be after --since")), qPrintable(r.err));
            const Run both = barkeep({verb, QStringLiteral("--since"), QStringLiteral("yesterday")});
            QCOMPARE(both.exitCode, 2);
            QVERIFY2(both.err.contains(QStringLiteral("--provider is required"))
                         && both.err.contains(QStringLiteral("--since: not a date or epoch ms")),
                     qPrintable(both.err));
        }
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("never.csv"))));
    }
};

QTEST_GUILESS_MAIN(TstDataVerbs)
#include "tst_dataverbs.moc"
