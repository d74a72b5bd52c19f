// SPDX-License-Identifier: GPL-3.0-or-later
// Cache benchmark, every figure next to a baseline measured in the same run on the same Redis:
//   put / get of one day of 1m (1440 bars) as ONE packed value through RedisCache
//   vs a SET / GET per bar (one key per bar, each its own round trip, the naive layout)
//   and getMany of 30 days (one MGET) vs 30 single gets.
// Goals are ours (the issue sets none for the cache): a day must come back well under the
// time of a store read of a day, i.e. within 2 ms.
// Output: "name | barkeep | baseline | ratio | goal | pass/miss". BK_TEST_REDIS_URL names the
// server; keys live under bk:bench:* and bk:v1:{bench/...} and are deleted at the end.
#include "cache/memorycache.h"
#include "cache/packedbars.h"
#include "cache/rediscache.h"

#include <hiredis/hiredis.h>

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace barkeep;

namespace {

constexpr qint64 kT0 = 1'704'067'200'000;
const SeriesKey kSeries{QStringLiteral("bench"), QStringLiteral("redis"), QStringLiteral("BTC/USDT"),
                        QStringLiteral("1m")};

Bars makeDay(qint64 day)
{
    Bars out;
    for (int i = 0; i < 1440; ++i) {
        const double p = 42000 + i * 0.25 + double(day);
        out.push_back({kT0 + day * kDayMs + i * kMinuteMs, p, p + 3, p - 2, p + 1, 1.5 + i});
    }
    return out;
}

int g_misses = 0;

void line(const char *name, double ours, double base, double goal, const char *unit)
{
    const double ratio = base > 0 ? ours / base : 0;
    const bool pass = goal <= 0 || ours <= goal;
    g_misses += pass ? 0 : 1;
    if (goal > 0)
        std::printf("%-44s | %12.3f | %12.3f | %7.3fx | <= %.1f %s | %s\n", name, ours, base, ratio,
                    goal, unit, pass ? "pass" : "miss");
    else
        std::printf("%-44s | %12.3f | %12.3f | %7.3fx | (info, %s) | -\n", name, ours, base, ratio,
                    unit);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const QString url = qEnvironmentVariable("BK_TEST_REDIS_URL");
    if (url.isEmpty()) {
        std::printf("bench_cache: skipped, BK_TEST_REDIS_URL is not set "
                    "(run through tools/test.sh or start a server)\n");
        return 0;
    }
    const auto endpoint = RedisEndpoint::parse(url);
    if (!endpoint)
        qFatal("%s", qPrintable(endpoint.error().toString()));
    RedisCache cache(*endpoint, 600);
    if (const auto o = cache.open(); !o)
        qFatal("%s", qPrintable(o.error().toString()));
    redisContext *raw = redisConnect(endpoint->host.toUtf8().constData(), endpoint->port);
    if (!raw || raw->err)
        qFatal("raw connect failed");
    freeReplyObject(redisCommand(raw, "SELECT %d", endpoint->db));

    const int rounds = smoke ? 5 : 100;
    const Bars day = makeDay(0);
    const TimeRange dayRange{day.front().t, day.back().t + kMinuteMs};
    std::printf("bench_cache: %s, %d rounds of one day (1440 bars)%s\n",
                qPrintable(endpoint->toString()), rounds, smoke ? " (smoke)" : "");
    std::printf("%-44s | %12s | %12s | %8s | %s | %s\n", "name", "barkeep", "baseline", "ratio",
                "goal", "pass/miss");

    // Ours: one packed value per day.
    QElapsedTimer t;
    t.start();
    for (int r = 0; r < rounds; ++r)
        cache.put(kSeries, dayRange, day);
    const double oursPutMs = t.nsecsElapsed() / 1e6 / rounds;
    t.restart();
    for (int r = 0; r < rounds; ++r) {
        const auto got = cache.get(kSeries, dayRange);
        if (!got || got->size() != day.size())
            qFatal("get failed");
    }
    const double oursGetMs = t.nsecsElapsed() / 1e6 / rounds;

    // Baseline: a key per bar, SET / GET each (48-byte packed bar values, so only the layout
    // differs, not the encoding).
    const int baseRounds = std::max(1, rounds / 10);
    t.restart();
    for (int r = 0; r < baseRounds; ++r) {
        for (const Bar &b : day) {
            const QByteArray key = "bk:bench:bar:" + QByteArray::number(b.t);
            const QByteArray value = packedbars::encode({b});
            freeReplyObject(redisCommand(raw, "SET %b %b EX 600", key.constData(), size_t(key.size()),
                                         value.constData(), size_t(value.size())));
        }
    }
    const double basePutMs = t.nsecsElapsed() / 1e6 / baseRounds;
    t.restart();
    for (int r = 0; r < baseRounds; ++r) {
        Bars back;
        back.reserve(day.size());
        for (const Bar &b : day) {
            const QByteArray key = "bk:bench:bar:" + QByteArray::number(b.t);
            auto *reply = static_cast<redisReply *>(
                redisCommand(raw, "GET %b", key.constData(), size_t(key.size())));
            if (!reply || reply->type != REDIS_REPLY_STRING)
                qFatal("baseline get failed");
            back.push_back(packedbars::decode(reply->str, qsizetype(reply->len))->front());
            freeReplyObject(reply);
        }
        if (back.size() != day.size())
            qFatal("baseline short");
    }
    const double baseGetMs = t.nsecsElapsed() / 1e6 / baseRounds;
    line("put a day of 1m, ms: packed vs SET per bar", oursPutMs, basePutMs, 2, "ms");
    line("get a day of 1m, ms: packed vs GET per bar", oursGetMs, baseGetMs, 2, "ms");

    // 30 days: one pipelined putMany / one MGET vs 30 single round trips.
    std::vector<TimeRange> ranges;
    std::vector<Bars> days;
    for (int d = 0; d < 30; ++d) {
        days.push_back(makeDay(d));
        ranges.push_back({days.back().front().t, days.back().back().t + kMinuteMs});
    }
    const int bulkRounds = std::max(1, rounds / 10);
    t.restart();
    for (int r = 0; r < bulkRounds; ++r)
        cache.putMany(kSeries, ranges, days);
    const double putManyMs = t.nsecsElapsed() / 1e6 / bulkRounds;
    t.restart();
    for (int r = 0; r < bulkRounds; ++r)
        for (int d = 0; d < 30; ++d)
            cache.put(kSeries, ranges[size_t(d)], days[size_t(d)]);
    const double putSingleMs = t.nsecsElapsed() / 1e6 / bulkRounds;
    t.restart();
    for (int r = 0; r < bulkRounds; ++r) {
        const auto got = cache.getMany(kSeries, ranges);
        if (!got.back())
            qFatal("getMany failed");
    }
    const double getManyMs = t.nsecsElapsed() / 1e6 / bulkRounds;
    t.restart();
    for (int r = 0; r < bulkRounds; ++r)
        for (const TimeRange &range : ranges)
            (void)cache.get(kSeries, range);
    const double getSingleMs = t.nsecsElapsed() / 1e6 / bulkRounds;
    line("put 30 days, ms: pipelined vs 30 puts", putManyMs, putSingleMs, 0, "ms");
    line("get 30 days, ms: one MGET vs 30 gets", getManyMs, getSingleMs, 0, "ms");

    // For scale: the in-process LRU.
    MemoryCache memory(1 << 26);
    memory.put(kSeries, dayRange, day);
    t.restart();
    for (int r = 0; r < rounds; ++r)
        (void)memory.get(kSeries, dayRange);
    const double memGetMs = t.nsecsElapsed() / 1e6 / rounds;
    line("get a day of 1m, ms: memory LRU vs Redis", memGetMs, oursGetMs, 0, "ms");

    // Clean up what we wrote.
    cache.invalidate(kSeries, {kT0 - kDayMs, kT0 + 40 * kDayMs});
    for (const Bar &b : day) {
        const QByteArray key = "bk:bench:bar:" + QByteArray::number(b.t);
        freeReplyObject(redisCommand(raw, "DEL %b", key.constData(), size_t(key.size())));
    }
    redisFree(raw);
    return smoke ? 0 : (g_misses > 0 ? 1 : 0);
}
