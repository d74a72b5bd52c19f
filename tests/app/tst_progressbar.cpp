// SPDX-License-Identifier: GPL-3.0-or-later
// `barkeep backfill` on a terminal (issue 23): the progress bar is the last line, and log lines
// written while it is shown go above it; the bar is never broken by a log line. The real binary
// runs with stderr on a pseudo-terminal; what it wrote is replayed through a small terminal
// model (carriage return, erase-to-end-of-line, newline) and every line on screen is checked.
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

namespace {

// The rows a terminal shows for `raw`: '\r' returns to column 0, "ESC[K" erases to the end of
// the row, '\n' ends the row; any other byte overwrites the cell under the cursor.
QStringList screenRows(const QByteArray &raw)
{
    QStringList rows;
    QString row;
    int cursor = 0;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\r') {
            cursor = 0;
        } else if (c == '\n') {
            rows << row;
            row.clear();
            cursor = 0;
        } else if (c == '\x1b' && raw.mid(i, 3) == "\x1b[K") {
            row.truncate(cursor);
            i += 2;
        } else {
            if (cursor < row.size())
                row[cursor] = QChar::fromLatin1(c);
            else
                row.append(QChar::fromLatin1(c));
            ++cursor;
        }
    }
    if (!row.isEmpty())
        rows << row;
    return rows;
}

const QRegularExpression kBarRow(QStringLiteral(R"(^\[[#.]{30}\] +\d+%  \d+/\d+ chunks  \d+ bars  \d+ bars/s  ETA [-\d:]+(  \(.*)?$)"));
const QRegularExpression kLogRow(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} [DIWEF] barkeep\.\S+: )"));
const QRegularExpression kLogAnywhere(QStringLiteral(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} [DIWEF] barkeep\.)"));
const QRegularExpression kBarAnywhere(QStringLiteral(R"(\[[#.]{30}\])"));

} // namespace

class TstProgressBar : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const QString &k : e.keys())
            if (k.startsWith(QStringLiteral("BARKEEP_")) || k.startsWith(QStringLiteral("QT_LOGGING")))
                e.remove(k);
        e.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        e.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        return e;
    }

private slots:
    void logLinesGoAboveTheBar_data()
    {
        QTest::addColumn<QStringList>("extra");
        // Info lines (job state changes, planning) come while the bar is shown; -v adds the
        // debug lines of every category.
        QTest::addRow("info") << QStringList{};
        QTest::addRow("verbose") << QStringList{QStringLiteral("-v")};
    }
    void logLinesGoAboveTheBar()
    {
        QFETCH(QStringList, extra);
        int master = -1, slave = -1;
        char slaveName[256] = {};
        winsize size{};
        size.ws_col = 160;
        size.ws_row = 40;
        QVERIFY(::openpty(&master, &slave, slaveName, nullptr, &size) == 0);
        ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);

        QProcess p;
        p.setProcessEnvironment(env());
        p.setStandardErrorFile(QString::fromLocal8Bit(slaveName), QIODevice::Append);
        const QString db = m_home.filePath(QStringLiteral("bar-%1.db").arg(QLatin1String(QTest::currentDataTag())));
        p.start(barkeep::test::barkeepBinary(),
                QStringList{QStringLiteral("backfill"), QStringLiteral("--provider"), QStringLiteral("demo"),
                            QStringLiteral("--symbol"), QStringLiteral("BTC/USDT"), QStringLiteral("--since"),
                            QStringLiteral("2024-01-01"), QStringLiteral("--until"), QStringLiteral("2024-01-15"),
                            QStringLiteral("--no-archive"), QStringLiteral("--set"),
                            QStringLiteral("store.url=sqlite://") + db}
                    + extra);
        QVERIFY(p.waitForStarted());
        QByteArray raw;
        auto drain = [&] {
            char buf[4096];
            for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;)
                raw.append(buf, n);
        };
        QElapsedTimer t;
        t.start();
        while (!p.waitForFinished(50) && t.elapsed() < 120000)
            drain();
        drain();
        ::close(slave);
        drain();
        ::close(master);
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);

        const QStringList rows = screenRows(raw);
        int bars = 0, logs = 0;
        QString lastBar;
        for (const QString &row : rows) {
            const bool bar = kBarAnywhere.match(row).hasMatch();
            const bool log = kLogAnywhere.match(row).hasMatch();
            QVERIFY2(!(bar && log), qPrintable(QStringLiteral("a log line broke the bar: '%1'").arg(row)));
            if (bar) {
                QVERIFY2(kBarRow.match(row).hasMatch(), qPrintable(QStringLiteral("bar row: '%1'").arg(row)));
                ++bars;
                lastBar = row;
            }
            if (log) {
                QVERIFY2(kLogRow.match(row).hasMatch(), qPrintable(QStringLiteral("log row: '%1'").arg(row)));
                ++logs;
            }
        }
        // The case under test happened: a log line was written while the bar was on screen.
        const qsizetype firstBar = raw.indexOf("[..............................]");
        QVERIFY2(firstBar >= 0, raw.left(2000).constData());
        QVERIFY2(kLogAnywhere.match(QString::fromLatin1(raw.mid(firstBar))).hasMatch(), raw.constData());
        // One bar row stays on screen at the end (the last state); log rows above and below it.
        QCOMPARE(bars, 1);
        QVERIFY(logs >= 2);
        QVERIFY2(lastBar.contains(QStringLiteral("100%")), qPrintable(lastBar));
    }

    // Not on a terminal: plain progress lines, no carriage returns or escapes.
    void plainLinesWithoutTerminal()
    {
        QProcess p;
        p.setProcessEnvironment(env());
        p.start(barkeep::test::barkeepBinary(),
                {QStringLiteral("backfill"), QStringLiteral("--provider"), QStringLiteral("demo"),
                 QStringLiteral("--symbol"), QStringLiteral("ETH/USDT"), QStringLiteral("--since"),
                 QStringLiteral("2024-01-01"), QStringLiteral("--until"), QStringLiteral("2024-01-02"),
                 QStringLiteral("--no-archive"), QStringLiteral("--set"),
                 QStringLiteral("store.url=sqlite://") + m_home.filePath(QStringLiteral("plain.db"))});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(!err.contains('\r') && !err.contains('\x1b'), err.constData());
        QVERIFY2(err.contains("backfill 1: done 100%"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TstProgressBar)
#include "tst_progressbar.moc"
