// SPDX-License-Identifier: GPL-3.0-or-later
#include "rediscache.h"

#include "log/logging.h"
#include "packedbars.h"

#include <hiredis/hiredis.h>

#include <QUrl>

#include <memory>
#include <thread>

#include <csignal>
#include <ctime>
#include <pthread.h>

namespace barkeep {

namespace {

struct ReplyDeleter
{
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply command(redisContext *c, const std::vector<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    return Reply(static_cast<redisReply *>(
        redisCommandArgv(c, int(args.size()), argv.data(), lens.data())));
}

bool append(redisContext *c, const std::vector<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    return redisAppendCommandArgv(c, int(args.size()), argv.data(), lens.data()) == REDIS_OK;
}

Reply nextReply(redisContext *c)
{
    void *r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK)
        return nullptr;
    return Reply(static_cast<redisReply *>(r));
}

timeval toTimeval(int ms)
{
    return timeval{ms / 1000, (ms % 1000) * 1000};
}

// hiredis writes with write(2): a write to a Redis that just died raises SIGPIPE, which would
// kill the whole process. Block it in this thread around our commands and swallow one we
// caused (what libpq does for its own sockets), without touching the process-wide handler.
class SigpipeGuard
{
public:
    SigpipeGuard()
    {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, &m_old);
        sigset_t pending;
        sigpending(&pending);
        m_wasPending = sigismember(&pending, SIGPIPE) == 1;
    }
    ~SigpipeGuard()
    {
        sigset_t pending;
        sigpending(&pending);
        if (!m_wasPending && sigismember(&pending, SIGPIPE) == 1) {
            sigset_t pipe;
            sigemptyset(&pipe);
            sigaddset(&pipe, SIGPIPE);
            const timespec zero{0, 0};
            sigtimedwait(&pipe, nullptr, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }

private:
    sigset_t m_old;
    bool m_wasPending = false;
};

class LatencyTimer
{
public:
    explicit LatencyTimer(CacheCounters &c) : m_counters(c), m_start(std::chrono::steady_clock::now()) {}
    ~LatencyTimer()
    {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - m_start);
        m_counters.latencyUsTotal.fetch_add(us.count(), std::memory_order_relaxed);
        m_counters.operations.fetch_add(1, std::memory_order_relaxed);
    }

private:
    CacheCounters &m_counters;
    std::chrono::steady_clock::time_point m_start;
};

QByteArray memberOf(const SeriesKey &series, TimeRange range)
{
    return series.timeframe.toUtf8() + ':' + QByteArray::number(range.from) + ':'
        + QByteArray::number(range.to);
}

} // namespace

Result<RedisEndpoint> RedisEndpoint::parse(const QString &url)
{
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != QLatin1String("redis") || u.host().isEmpty())
        return Error(Error::Kind::BadInput,
                     QStringLiteral("not a Redis URL (expected redis://host:port/db)"),
                     u.isValid() ? u.toString(QUrl::RemovePassword) : QString());
    RedisEndpoint e;
    e.host = u.host();
    e.port = u.port(6379);
    e.password = u.password();
    const QString path = u.path().mid(1);
    if (!path.isEmpty()) {
        bool ok = false;
        e.db = path.toInt(&ok);
        if (!ok || e.db < 0)
            return Error(Error::Kind::BadInput,
                         QStringLiteral("the Redis database must be a number (redis://host:port/0)"),
                         u.toString(QUrl::RemovePassword));
    }
    return e;
}

QString RedisEndpoint::toString() const
{
    return QStringLiteral("redis://%1:%2/%3").arg(host).arg(port).arg(db);
}

// "<timeframe>:<from>:<to>", parsed from the right since only the numbers are certain.
bool RedisCache::parseMember(const QByteArray &member, TimeRange *range)
{
    const int c2 = member.lastIndexOf(':');
    const int c1 = c2 > 0 ? member.lastIndexOf(':', c2 - 1) : -1;
    if (c1 < 0)
        return false;
    bool ok1 = false, ok2 = false;
    range->from = member.mid(c1 + 1, c2 - c1 - 1).toLongLong(&ok1);
    range->to = member.mid(c2 + 1).toLongLong(&ok2);
    return ok1 && ok2;
}

RedisCache::RedisCache(const RedisEndpoint &endpoint, int ttlSec)
    : RedisCache(endpoint, ttlSec, Options())
{}

RedisCache::RedisCache(const RedisEndpoint &endpoint, int ttlSec, const Options &options)
    : m_endpoint(endpoint), m_ttlSec(ttlSec), m_options(options),
      m_random(std::random_device{}())
{}

RedisCache::~RedisCache()
{
    close();
}

QString RedisCache::describe() const
{
    return m_endpoint.toString();
}

QByteArray RedisCache::instrumentTag(const SeriesKey &series)
{
    return (series.market + QLatin1Char('/') + series.provider + QLatin1Char('/') + series.symbol)
        .toUtf8();
}

QByteArray RedisCache::entryKey(const SeriesKey &series, TimeRange range)
{
    return "bk:v1:{" + instrumentTag(series) + "}:" + memberOf(series, range);
}

QByteArray RedisCache::indexKey(const SeriesKey &series)
{
    return "bk:v1:{" + instrumentTag(series) + "}:idx";
}

VoidResult RedisCache::open()
{
    std::lock_guard lock(m_mutex);
    if (m_context && !m_down)
        return {};
    const SigpipeGuard sigpipe;
    QStringList tried;
    for (int attempt = 1; attempt <= m_options.maxAttempts; ++attempt) {
        if (attempt > 1)
            std::this_thread::sleep_for(std::chrono::milliseconds(
                jitteredMs(m_options.retryBaseMs << (attempt - 2))));
        QString error;
        if (connectLocked(&error)) {
            const Reply pong = command(m_context, {QByteArrayLiteral("PING")});
            if (pong && pong->type != REDIS_REPLY_ERROR) {
                if (m_down)
                    markUpLocked(); // also replays invalidations made while down
                return {};
            }
            error = pong ? QString::fromUtf8(pong->str, int(pong->len))
                         : QString::fromLocal8Bit(m_context->errstr);
            dropConnectionLocked();
        }
        tried << QStringLiteral("attempt %1: %2:%3 (db %4): %5")
                     .arg(attempt)
                     .arg(m_endpoint.host)
                     .arg(m_endpoint.port)
                     .arg(m_endpoint.db)
                     .arg(error);
    }
    return Error(Error::Kind::Unavailable,
                 QStringLiteral("cache.url %1: Redis is unreachable").arg(m_endpoint.toString()),
                 QStringLiteral("tried ") + tried.join(QStringLiteral("; ")));
}

void RedisCache::close()
{
    std::lock_guard lock(m_mutex);
    const SigpipeGuard sigpipe; // redisFree may flush
    dropConnectionLocked();
}

bool RedisCache::isAvailable() const
{
    std::lock_guard lock(m_mutex);
    return !m_down;
}

int RedisCache::jitteredMs(int baseMs)
{
    // +-50 % so that several instances that lost the same Redis do not retry in lockstep.
    std::uniform_int_distribution<int> d(baseMs / 2, baseMs + baseMs / 2);
    return d(m_random);
}

bool RedisCache::connectLocked(QString *error)
{
    dropConnectionLocked();
    redisContext *c = redisConnectWithTimeout(m_endpoint.host.toUtf8().constData(), m_endpoint.port,
                                              toTimeval(m_options.connectTimeoutMs));
    if (!c || c->err) {
        *error = c ? QString::fromLocal8Bit(c->errstr) : QStringLiteral("out of memory");
        if (c)
            redisFree(c);
        return false;
    }
    redisSetTimeout(c, toTimeval(m_options.commandTimeoutMs));
    redisEnableKeepAlive(c);
    auto setup = [&](const std::vector<QByteArray> &args, const char *what) {
        const Reply r = command(c, args);
        if (r && r->type != REDIS_REPLY_ERROR)
            return true;
        *error = QLatin1String(what) + QStringLiteral(" failed: ")
            + (r ? QString::fromUtf8(r->str, int(r->len)) : QString::fromLocal8Bit(c->errstr));
        return false;
    };
    if (!m_endpoint.password.isEmpty()
        && !setup({QByteArrayLiteral("AUTH"), m_endpoint.password.toUtf8()}, "AUTH")) {
        redisFree(c);
        return false;
    }
    if (m_endpoint.db != 0
        && !setup({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.db)}, "SELECT")) {
        redisFree(c);
        return false;
    }
    m_context = c;
    return true;
}

void RedisCache::dropConnectionLocked()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
}

void RedisCache::markDownLocked(const char *what, const QString &error)
{
    dropConnectionLocked();
    m_down = true;
    m_reconnectFailures = 0;
    m_nextReconnect = Clock::now() + std::chrono::milliseconds(jitteredMs(m_options.reconnectMinMs));
    if (!m_warned) {
        // One warning per outage, not one per call: a dead Redis under load would flood the log.
        qCWarning(lcCache).noquote()
            << QStringLiteral("Redis at %1 is unreachable (%2: %3); reads fall through to the "
                              "store and writes are skipped until it is back")
                   .arg(m_endpoint.toString(), QLatin1String(what), error);
        m_warned = true;
    }
}

void RedisCache::markUpLocked()
{
    m_down = false;
    m_warned = false;
    qCInfo(lcCache).noquote() << QStringLiteral("Redis at %1 is reachable again").arg(m_endpoint.toString());
    replayPendingLocked();
}

void RedisCache::replayPendingLocked()
{
    if (!m_context)
        return;
    if (m_flushOnReconnect) {
        if (flushAllLocked(m_context) == Outcome::Ok) {
            m_flushOnReconnect = false;
            m_pending.clear();
        }
        return;
    }
    while (!m_pending.empty()) {
        const PendingInvalidation p = m_pending.back();
        if (invalidateLocked(m_context, p.series, p.range) != Outcome::Ok)
            return; // kept; the next reconnect tries again
        m_pending.pop_back();
    }
}

bool RedisCache::run(const char *what, const Command &cmd)
{
    std::lock_guard lock(m_mutex);
    const SigpipeGuard sigpipe;
    if (m_down) {
        if (Clock::now() < m_nextReconnect)
            return false; // no network wait per call while down
        QString error;
        if (!connectLocked(&error)) {
            ++m_reconnectFailures;
            const int shift = std::min(m_reconnectFailures, 16);
            const qint64 delay = std::min<qint64>(qint64(m_options.reconnectMinMs) << shift,
                                                  m_options.reconnectMaxMs);
            m_nextReconnect = Clock::now() + std::chrono::milliseconds(jitteredMs(int(delay)));
            qCDebug(lcCache) << "Redis reconnect failed:" << error;
            return false;
        }
        markUpLocked();
    }
    QString lastError;
    for (int attempt = 1; attempt <= m_options.maxAttempts; ++attempt) {
        if (attempt > 1) {
            // A short blocking backoff: the caller is a worker thread waiting for this answer,
            // and the budget (a few ms in total) is far below a store read.
            std::this_thread::sleep_for(std::chrono::milliseconds(
                jitteredMs(m_options.retryBaseMs << (attempt - 2))));
        }
        if (!m_context && !connectLocked(&lastError))
            continue;
        const Outcome outcome = cmd(m_context);
        if (outcome == Outcome::Ok)
            return true;
        if (outcome == Outcome::ReplyError)
            return false; // Redis answered: retrying the same command would not help
        lastError = QString::fromLocal8Bit(m_context->errstr);
        dropConnectionLocked();
    }
    markDownLocked(what, lastError);
    return false;
}

std::optional<Bars> RedisCache::get(const SeriesKey &series, TimeRange range)
{
    LatencyTimer timer(m_counters);
    const QByteArray key = entryKey(series, range);
    std::optional<Bars> result;
    bool corrupt = false;
    const bool ok = run("GET", [&](redisContext *c) {
        const Reply r = command(c, {QByteArrayLiteral("GET"), key});
        if (!r)
            return Outcome::IoError;
        if (r->type == REDIS_REPLY_NIL)
            return Outcome::Ok;
        if (r->type != REDIS_REPLY_STRING)
            return Outcome::ReplyError;
        result = packedbars::decode(r->str, qsizetype(r->len));
        corrupt = !result;
        return Outcome::Ok;
    });
    if (!ok || corrupt) {
        m_counters.errors.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    (result ? m_counters.hits : m_counters.misses).fetch_add(1, std::memory_order_relaxed);
    return result;
}

std::vector<std::optional<Bars>> RedisCache::getMany(const SeriesKey &series,
                                                     const std::vector<TimeRange> &ranges)
{
    std::vector<std::optional<Bars>> results(ranges.size());
    if (ranges.empty())
        return results;
    LatencyTimer timer(m_counters);
    std::vector<QByteArray> args{QByteArrayLiteral("MGET")};
    for (const TimeRange &r : ranges)
        args.push_back(entryKey(series, r));
    qint64 corrupt = 0;
    const bool ok = run("MGET", [&](redisContext *c) {
        const Reply r = command(c, args);
        if (!r)
            return Outcome::IoError;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != ranges.size())
            return Outcome::ReplyError;
        corrupt = 0;
        for (size_t i = 0; i < r->elements; ++i) {
            const redisReply *e = r->element[i];
            results[i].reset();
            if (e->type == REDIS_REPLY_STRING) {
                results[i] = packedbars::decode(e->str, qsizetype(e->len));
                corrupt += results[i] ? 0 : 1;
            }
        }
        return Outcome::Ok;
    });
    if (!ok) {
        m_counters.errors.fetch_add(1, std::memory_order_relaxed);
        return std::vector<std::optional<Bars>>(ranges.size());
    }
    qint64 hits = 0;
    for (const auto &r : results)
        hits += r ? 1 : 0;
    m_counters.hits.fetch_add(hits, std::memory_order_relaxed);
    m_counters.misses.fetch_add(qint64(ranges.size()) - hits - corrupt, std::memory_order_relaxed);
    m_counters.errors.fetch_add(corrupt, std::memory_order_relaxed);
    return results;
}

void RedisCache::put(const SeriesKey &series, TimeRange range, const Bars &bars)
{
    putMany(series, {range}, {bars});
}

void RedisCache::putMany(const SeriesKey &series, const std::vector<TimeRange> &ranges,
                         const std::vector<Bars> &bars)
{
    Q_ASSERT(ranges.size() == bars.size());
    const size_t n = std::min(ranges.size(), bars.size());
    if (n == 0)
        return;
    LatencyTimer timer(m_counters);
    const QByteArray ttl = QByteArray::number(m_ttlSec);
    // One pipeline: n SETs, one ZADD for the index, one EXPIRE; a single round trip.
    std::vector<std::vector<QByteArray>> commands;
    commands.reserve(n + 2);
    std::vector<QByteArray> zadd{QByteArrayLiteral("ZADD"), indexKey(series)};
    for (size_t i = 0; i < n; ++i) {
        std::vector<QByteArray> set{QByteArrayLiteral("SET"), entryKey(series, ranges[i]),
                                    packedbars::encode(bars[i])};
        if (m_ttlSec > 0) {
            set.push_back(QByteArrayLiteral("EX"));
            set.push_back(ttl);
        }
        commands.push_back(std::move(set));
        zadd.push_back(QByteArray::number(ranges[i].from));
        zadd.push_back(memberOf(series, ranges[i]));
    }
    commands.push_back(std::move(zadd));
    if (m_ttlSec > 0)
        commands.push_back({QByteArrayLiteral("EXPIRE"), indexKey(series), ttl});

    const bool ok = run("SET", [&](redisContext *c) {
        for (const auto &args : commands) {
            if (!append(c, args))
                return Outcome::IoError;
        }
        Outcome outcome = Outcome::Ok;
        for (size_t i = 0; i < commands.size(); ++i) {
            const Reply r = nextReply(c);
            if (!r)
                return Outcome::IoError;
            if (r->type == REDIS_REPLY_ERROR)
                outcome = Outcome::ReplyError; // read every reply to keep the stream in step
        }
        return outcome;
    });
    if (!ok)
        m_counters.errors.fetch_add(1, std::memory_order_relaxed);
}

RedisCache::Outcome RedisCache::invalidateLocked(redisContext *c, const SeriesKey &series,
                                                 TimeRange range)
{
    const QByteArray idx = indexKey(series);
    const Reply members = command(c, {QByteArrayLiteral("ZRANGEBYSCORE"), idx,
                                      QByteArrayLiteral("-inf"),
                                      '(' + QByteArray::number(range.to)});
    if (!members)
        return Outcome::IoError;
    if (members->type != REDIS_REPLY_ARRAY)
        return Outcome::ReplyError;
    std::vector<QByteArray> del{QByteArrayLiteral("DEL")};
    std::vector<QByteArray> zrem{QByteArrayLiteral("ZREM"), idx};
    const QByteArray prefix = "bk:v1:{" + instrumentTag(series) + "}:";
    for (size_t i = 0; i < members->elements; ++i) {
        const redisReply *m = members->element[i];
        const QByteArray member(m->str, qsizetype(m->len));
        TimeRange r;
        if (parseMember(member, &r) && r.to <= range.from)
            continue; // ends before the range: untouched
        del.push_back(prefix + member);
        zrem.push_back(member);
    }
    if (zrem.size() == 2)
        return Outcome::Ok;
    if (!append(c, del) || !append(c, zrem))
        return Outcome::IoError;
    Outcome outcome = Outcome::Ok;
    for (int i = 0; i < 2; ++i) {
        const Reply r = nextReply(c);
        if (!r)
            return Outcome::IoError;
        if (r->type == REDIS_REPLY_ERROR)
            outcome = Outcome::ReplyError;
    }
    return outcome;
}

RedisCache::Outcome RedisCache::flushAllLocked(redisContext *c)
{
    QByteArray cursor = QByteArrayLiteral("0");
    do {
        const Reply r = command(c, {QByteArrayLiteral("SCAN"), cursor, QByteArrayLiteral("MATCH"),
                                    QByteArrayLiteral("bk:v1:*"), QByteArrayLiteral("COUNT"),
                                    QByteArrayLiteral("1000")});
        if (!r)
            return Outcome::IoError;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
            return Outcome::ReplyError;
        cursor = QByteArray(r->element[0]->str, qsizetype(r->element[0]->len));
        const redisReply *keys = r->element[1];
        if (keys->elements > 0) {
            std::vector<QByteArray> del{QByteArrayLiteral("DEL")};
            for (size_t i = 0; i < keys->elements; ++i)
                del.emplace_back(keys->element[i]->str, qsizetype(keys->element[i]->len));
            const Reply d = command(c, del);
            if (!d)
                return Outcome::IoError;
        }
    } while (cursor != "0");
    return Outcome::Ok;
}

void RedisCache::invalidate(const SeriesKey &series, TimeRange range)
{
    LatencyTimer timer(m_counters);
    const bool ok = run("invalidate", [&](redisContext *c) {
        return invalidateLocked(c, series, range);
    });
    if (ok)
        return;
    m_counters.errors.fetch_add(1, std::memory_order_relaxed);
    // Remember it: if Redis kept its data (a network cut, not a restart), the overlapping
    // entries must still go before anything is served again.
    std::lock_guard lock(m_mutex);
    if (m_flushOnReconnect)
        return;
    if (int(m_pending.size()) >= m_options.maxPendingInvalidations) {
        m_pending.clear();
        m_flushOnReconnect = true;
        return;
    }
    m_pending.push_back({series, range});
}

} // namespace barkeep
