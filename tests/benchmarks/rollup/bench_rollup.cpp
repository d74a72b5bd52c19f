// SPDX-License-Identifier: GPL-3.0-or-later
// Rollup of a year of 1m bars to 1h and 1d: Barkeep's Rollup::compute against the naive way
// (a QDateTime per bar to find its bucket, a map of buckets), measured in the same run. The
// results must be equal, or the figure means nothing.
#include "model/timeframe.h"
#include "storage/rollup.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QMap>
#include <QRandomGenerator>

#include <cstdio>

using namespace barkeep;

namespace {

Bars makeYear(qint64 from, qint64 minutes)
{
    QRandomGenerator rng(11);
    Bars bars;
    bars.reserve(size_t(minutes));
    double p = 30000;
    for (qint64 i = 0; i < minutes; ++i) {
        const double o = p;
        p *= 1 + (rng.generateDouble() - 0.5) * 0.002;
        bars.push_back({from + i * kMinuteMs, o, std::max(o, p) * 1.0005, std::min(o, p) * 0.9995, p,
                        rng.generateDouble() * 10});
    }
    return bars;
}

// The obvious implementation: a calendar object per bar.
Bars naive(const Bars &bars, bool daily)
{
    QMap<qint64, Bar> buckets;
    for (const Bar &b : bars) {
        QDateTime dt = QDateTime::fromMSecsSinceEpoch(b.t, Qt::UTC);
        dt.setTime(daily ? QTime(0, 0) : QTime(dt.time().hour(), 0));
        const qint64 key = dt.toMSecsSinceEpoch();
        auto it = buckets.find(key);
        if (it == buckets.end()) {
            buckets.insert(key, Bar{key, b.o, b.h, b.l, b.c, b.v});
        } else {
            it->h = std::max(it->h, b.h);
            it->l = std::min(it->l, b.l);
            it->c = b.c;
            it->v += b.v;
        }
    }
    return Bars(buckets.cbegin(), buckets.cend());
}

double bestOf(int runs, const std::function<void()> &f)
{
    double best = 1e18;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        f();
        best = std::min(best, t.nsecsElapsed() / 1e6);
    }
    return best;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const qint64 from = 1704067200000LL; // 2024-01-01
    const qint64 minutes = smoke ? 7 * 1440 : 525'600;
    const Bars year = makeYear(from, minutes);
    const TimeRange range{from, from + minutes * kMinuteMs};
    int failures = 0;
    for (const char *tfName : {"1h", "1d"}) {
        const Timeframe tf = *Timeframe::parse(QString::fromLatin1(tfName));
        RollupBars ours;
        Bars reference;
        const int runs = smoke ? 1 : 5;
        const double oursMs = bestOf(runs, [&] { ours = Rollup::compute(year, tf, range, TimeRanges{}); });
        const double naiveMs = bestOf(runs, [&] { reference = naive(year, tf.minuteCount() == 1440); });
        bool equal = ours.size() == reference.size();
        for (size_t i = 0; equal && i < ours.size(); ++i)
            equal = ours[i].bar == reference[i] && ours[i].complete;
        if (!equal)
            ++failures;
        std::printf("rollup 1m->%s, %lld bars | %.1f ms | naive QDateTime loop %.1f ms | %.1fx | report | %s\n",
                    tfName, qlonglong(minutes), oursMs, naiveMs, naiveMs / std::max(oursMs, 1e-3),
                    equal ? "pass" : "miss (results differ)");
    }
    return failures ? 1 : 0;
}
