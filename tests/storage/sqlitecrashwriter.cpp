// SPDX-License-Identifier: GPL-3.0-or-later
// Helper of tst_sqlitecrash: writes large overlapping batches of bars + coverage into a
// SqliteBarStore forever, printing "committed N" after each, until it is killed (-9).
#include "storage/sqlitebarstore.h"

#include <QCoreApplication>
#include <QRandomGenerator>

#include <cstdio>

using namespace barkeep;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: sqlitecrashwriter <db path> <seed>\n");
        return 2;
    }
    SqliteBarStore store(QString::fromLocal8Bit(argv[1]));
    if (!store.open()) {
        std::fprintf(stderr, "cannot open store\n");
        return 1;
    }
    QRandomGenerator rng(quint32(QByteArray(argv[2]).toUInt()));
    constexpr qint64 kT0 = 1'704'067'200'000; // 2024-01-01
    constexpr qint64 kSpanMinutes = 60 * 1440;
    for (qint64 n = 1;; ++n) {
        const SeriesKey series{QStringLiteral("crypto"), QStringLiteral("crash"),
                               QStringLiteral("S%1").arg(rng.bounded(3)), QStringLiteral("1m")};
        const qint64 len = 2000 + rng.bounded(40000);
        const qint64 start = rng.bounded(int(kSpanMinutes - len));
        Bars bars;
        bars.reserve(size_t(len));
        double price = 100 + rng.bounded(100);
        for (qint64 i = 0; i < len; ++i) {
            price += rng.bounded(200) / 100.0 - 1.0;
            if (rng.bounded(20) == 0)
                continue; // no trade that minute: coverage says empty
            bars.push_back({kT0 + (start + i) * kMinuteMs, price, price + 0.5, price - 0.5,
                            price + 0.25, double(rng.bounded(1000))});
        }
        const auto w = store.writeBars(series, bars,
                                       {kT0 + start * kMinuteMs, kT0 + (start + len) * kMinuteMs});
        if (!w) {
            std::fprintf(stderr, "write failed: %s\n", qPrintable(w.error().toString()));
            return 1;
        }
        std::printf("committed %lld\n", static_cast<long long>(n));
        std::fflush(stdout);
    }
}
