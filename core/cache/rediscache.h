// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barcache.h"

#include <QString>

#include <chrono>
#include <functional>
#include <mutex>
#include <random>
#include <vector>

struct redisContext;

namespace barkeep {

// Where a RedisCache connects: redis://[:password@]host[:port][/db].
struct BARKEEPCORE_EXPORT RedisEndpoint
{
    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    int db = 0;
    QString password; // never logged; describe() leaves it out

    static Result<RedisEndpoint> parse(const QString &url);
    // "redis://host:port/db" without the password.
    QString toString() const;
};

// A BarCache in Redis (hiredis), shared by several Barkeep instances.
//
// Key scheme (version 1). <instrument> is "<market>/<provider>/<symbol>", e.g.
// "crypto/binance/BTC/USDT"; it is a Redis Cluster hash tag, so a series and its index
// always live in one slot:
//
//   bk:v1:{<instrument>}:<timeframe>:<from>:<to>   STRING  the exact answer for [from, to) ms
//                                                          as packed bars (packedbars.h:
//                                                          "BKB1", uint32 count, 48 B/bar LE)
//   bk:v1:{<instrument>}:idx                       ZSET    member "<timeframe>:<from>:<to>",
//                                                          score <from>: finds the entries an
//                                                          invalidate(range) must drop
//
// Every key gets the TTL cache.ttlSec (EX on SET, EXPIRE on the index at each put, so the
// index outlives its entries). invalidate() drops overlapping entries of every timeframe of
// the instrument, since new 1m bars change every rollup. A bump of the layout bumps "v1".
//
// Failure behaviour: a command that fails on I/O is retried on a fresh connection with
// exponential backoff and jitter (a few ms; Options::maxAttempts). If Redis stays
// unreachable the cache is "down": reads return std::nullopt (the caller falls through to
// the store) and count an error, writes are skipped, ONE warning is logged for the outage,
// and a reconnect is attempted on use at most every reconnect delay (growing from
// reconnectMinMs to reconnectMaxMs, with jitter), so a dead Redis costs no network wait per
// call. Invalidations that happen while down are replayed on reconnect (or, past a bound,
// every bk:v1 key is dropped), so no stale range is served afterwards.
//
// Thread-safe: one connection guarded by a mutex (commands are sub-millisecond; a pool
// would add connections to a shared server for little gain).
class BARKEEPCORE_EXPORT RedisCache final : public BarCache
{
public:
    struct Options
    {
        int connectTimeoutMs = 500;
        int commandTimeoutMs = 1000;
        int maxAttempts = 3;      // per command while Redis is believed up
        int retryBaseMs = 5;      // first in-call backoff, doubled per attempt, +-50 % jitter
        int reconnectMinMs = 100; // first reconnect delay once down
        int reconnectMaxMs = 5000;
        int maxPendingInvalidations = 1000;
    };

    RedisCache(const RedisEndpoint &endpoint, int ttlSec);
    RedisCache(const RedisEndpoint &endpoint, int ttlSec, const Options &options);
    ~RedisCache() override;

    QString describe() const override;
    // Connects and PINGs; an Unavailable error says what was tried.
    VoidResult open() override;
    void close() override;

    std::optional<Bars> get(const SeriesKey &series, TimeRange range) override;
    void put(const SeriesKey &series, TimeRange range, const Bars &bars) override;
    void invalidate(const SeriesKey &series, TimeRange range) override;
    std::vector<std::optional<Bars>> getMany(const SeriesKey &series,
                                             const std::vector<TimeRange> &ranges) override;
    void putMany(const SeriesKey &series, const std::vector<TimeRange> &ranges,
                 const std::vector<Bars> &bars) override;

    // False while Redis is unreachable (reads fall through, writes are skipped).
    bool isAvailable() const;

    static QByteArray instrumentTag(const SeriesKey &series);
    static QByteArray entryKey(const SeriesKey &series, TimeRange range);
    static QByteArray indexKey(const SeriesKey &series);
    // The range of an index member "<timeframe>:<from>:<to>" (read back from Redis, so
    // untrusted); false when it is not one.
    static bool parseMember(const QByteArray &member, TimeRange *range);

private:
    enum class Outcome { Ok, ReplyError, IoError };
    using Command = std::function<Outcome(redisContext *)>;
    using Clock = std::chrono::steady_clock;

    struct PendingInvalidation
    {
        SeriesKey series;
        TimeRange range;
    };

    // Runs `command` with retries; false when it could not run (down, or a reply error).
    bool run(const char *what, const Command &command);
    bool connectLocked(QString *error);
    void dropConnectionLocked();
    void markDownLocked(const char *what, const QString &error);
    void markUpLocked();
    int jitteredMs(int baseMs);
    Outcome invalidateLocked(redisContext *c, const SeriesKey &series, TimeRange range);
    Outcome flushAllLocked(redisContext *c);
    void replayPendingLocked();

    const RedisEndpoint m_endpoint;
    const int m_ttlSec;
    const Options m_options;

    mutable std::mutex m_mutex;
    redisContext *m_context = nullptr;
    bool m_down = false;
    bool m_warned = false;
    int m_reconnectFailures = 0;
    Clock::time_point m_nextReconnect{};
    std::vector<PendingInvalidation> m_pending;
    bool m_flushOnReconnect = false;
    std::minstd_rand m_random;
};

} // namespace barkeep
