// SPDX-License-Identifier: GPL-3.0-or-later
// Prints rows/s of CsvBarParser on a month of Binance 1m rows (ms and µs) and of a generic
// headered file, next to a bare split-and-convert loop measured in the same run; and of
// alpaca::parseBarsPage on 10,000-bar pages next to QJsonDocument::fromJson alone.
#include "alpacawire.h"
#include "csvbarparser.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace barkeep;

namespace {

constexpr int kRows = 31 * 24 * 60;
constexpr qint64 kStart = 1704067200000; // 2024-01-01

QByteArray binanceMonth(bool micro)
{
    QByteArray out;
    out.reserve(kRows * 140);
    for (int i = 0; i < kRows; ++i) {
        const qint64 t = kStart + qint64(i) * 60000;
        const double o = 42000 + (i % 997) * 0.37;
        const qint64 ts = micro ? t * 1000 : t;
        const qint64 close = micro ? (t + 59999) * 1000 + 999 : t + 59999;
        out += QByteArray::number(ts) + ',' + QByteArray::number(o, 'f', 8) + ','
            + QByteArray::number(o + 5, 'f', 8) + ',' + QByteArray::number(o - 5, 'f', 8) + ','
            + QByteArray::number(o + 1, 'f', 8) + ',' + QByteArray::number(12.5 + i % 13, 'f', 8)
            + ',' + QByteArray::number(close) + ",1519750.55498920,1327,17.82709000,754062.34596190,0\n";
    }
    return out;
}

QByteArray genericMonth()
{
    QByteArray out = "date,open,high,low,close,volume\n";
    for (int i = 0; i < kRows; ++i) {
        const qint64 t = kStart + qint64(i) * 60000;
        const double o = 180 + (i % 997) * 0.01;
        out += QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm")).toLatin1()
            + ',' + QByteArray::number(o) + ',' + QByteArray::number(o + 0.5) + ','
            + QByteArray::number(o - 0.5) + ',' + QByteArray::number(o + 0.1) + ','
            + QByteArray::number(1000 + i % 77) + '\n';
    }
    return out;
}

// The least a CSV reader must do: split lines and fields, convert six numbers.
qint64 baseline(const QByteArray &csv, int *rows)
{
    QElapsedTimer timer;
    timer.start();
    double sink = 0;
    *rows = 0;
    for (const QByteArray &line : csv.split('\n')) {
        if (line.isEmpty())
            continue;
        const QList<QByteArray> f = line.split(',');
        sink += double(f[0].toLongLong()) + f[1].toDouble() + f[2].toDouble() + f[3].toDouble()
            + f[4].toDouble() + f[5].toDouble();
        ++*rows;
    }
    const qint64 ns = timer.nsecsElapsed();
    if (sink == 42) // keep the loop
        std::puts("");
    return ns;
}

// Human-readable lines go to stderr; each measured row also goes to stdout in the table
// format tools/bench.sh collects: name | barkeep | baseline | ratio | goal | result.
void report(const char *what, int rows, qint64 ns, qint64 baselineNs)
{
    const double rate = rows / (ns / 1e9);
    std::fprintf(stderr, "%-40s %8d rows %9.1f ms %10.0f rows/s", what, rows, ns / 1e6, rate);
    if (baselineNs > 0)
        std::fprintf(stderr, "  (%.1fx the baseline's time)", double(ns) / double(baselineNs));
    std::fprintf(stderr, "\n");
    if (baselineNs > 0) {
        const double baseRate = rows / (baselineNs / 1e9);
        std::printf("%s (rows/s) | %.0f | %.0f | %.2fx | report | —\n", what, rate, baseRate,
                    rate / baseRate);
    }
}

void csv(const char *what, const QByteArray &bytes, const CsvBarParser::Options &options)
{
    int baseRows = 0;
    const qint64 base = baseline(bytes, &baseRows);
    report("  baseline: split + toDouble", baseRows, base, 0);
    QBuffer buffer;
    buffer.setData(bytes);
    QElapsedTimer timer;
    timer.start();
    const Result<CsvBarParser::Parsed> parsed = CsvBarParser::parse(buffer, options);
    const qint64 ns = timer.nsecsElapsed();
    if (!parsed || !parsed->badRows.isEmpty() || parsed->bars.size() != size_t(kRows)) {
        std::printf("%s | failed: unexpected result | | | report | miss\n", what);
        return;
    }
    report(what, kRows, ns, base);
}

void alpacaPages()
{
    QJsonArray bars;
    for (int i = 0; i < 10000; ++i) {
        const qint64 t = kStart + qint64(i) * 60000;
        bars.append(QJsonObject{{QStringLiteral("t"), alpaca::formatTime(t)},
                                {QStringLiteral("o"), 184.22 + i % 50},
                                {QStringLiteral("h"), 185.5 + i % 50},
                                {QStringLiteral("l"), 183.1 + i % 50},
                                {QStringLiteral("c"), 184.35 + i % 50},
                                {QStringLiteral("v"), 131204 + i},
                                {QStringLiteral("n"), 1544},
                                {QStringLiteral("vw"), 184.31}});
    }
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("bars"), bars},
                                                      {QStringLiteral("symbol"), QStringLiteral("AAPL")},
                                                      {QStringLiteral("next_page_token"), QStringLiteral("QUFQTA==")}})
                                .toJson(QJsonDocument::Compact);
    constexpr int kPages = 20;
    QElapsedTimer timer;
    timer.start();
    qsizetype n = 0;
    for (int i = 0; i < kPages; ++i)
        n += QJsonDocument::fromJson(body).object().size();
    const qint64 base = timer.nsecsElapsed();
    report("  baseline: QJsonDocument::fromJson", kPages * 10000, base, 0);
    timer.restart();
    for (int i = 0; i < kPages; ++i)
        n += qsizetype(alpaca::parseBarsPage(body, QStringLiteral("AAPL"))->bars.size());
    report("alpaca::parseBarsPage (10,000-bar pages)", kPages * 10000, timer.nsecsElapsed(), base);
    if (n == 42)
        std::puts("");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    std::fprintf(stderr, "CSV import, one month of 1m rows (%d):\n", kRows);
    csv("CsvBarParser Binance ms", binanceMonth(false), {});
    csv("CsvBarParser Binance us", binanceMonth(true), {});
    CsvBarParser::Options ny;
    ny.timeZone = QStringLiteral("America/New_York");
    csv("CsvBarParser generic, local times (NY)", genericMonth(), ny);
    std::fprintf(stderr, "Alpaca pages:\n");
    alpacaPages();
    return 0;
}
