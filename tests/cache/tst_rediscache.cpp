// SPDX-License-Identifier: GPL-3.0-or-later
#include "cache/packedbars.h"
#include "cache/rediscache.h"
#include "support/testsupport.h"

#include <hiredis/hiredis.h>

#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>

using namespace barkeep;

namespace {

const SeriesKey kBtc{QStringLiteral("crypto"), QStringLiteral("binance"), QStringLiteral("BTC/USDT"),
                     QStringLiteral("1m")};

Bars makeBars(qint64 from, int n, double seed = 1)
{
    Bars bars;
    for (int i = 0; i < n; ++i) {
        const double p = seed + i;
        bars.push_back(Bar{from + i * kMinuteMs, p, p + 2, p - 1, p + 1, 10.0 * i});
    }
    return bars;
}

TimeRange minutes(qint64 a, qint64 b)
{
    return {a * kMinuteMs, b * kMinuteMs};
}

// `count` whole days from the epoch, each with its 1440 bars (seeded by the day), for the
// pipelined putMany() and getMany().
struct Days
{
    std::vector<TimeRange> ranges;
    std::vector<Bars> bars;
};
Days wholeDays(int count)
{
    Days out;
    for (int d = 0; d < count; ++d) {
        out.ranges.push_back(minutes(d * 1440, (d + 1) * 1440));
        out.bars.push_back(makeBars(out.ranges.back().from, 1440, d));
    }
    return out;
}

// Counts warnings of the cache category; everything else goes to the previous handler.
std::atomic<int> g_cacheWarnings{0};
QtMessageHandler g_previousHandler = nullptr;
void countingHandler(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (type == QtWarningMsg && ctx.category && qstrcmp(ctx.category, "barkeep.core.cache") == 0)
        ++g_cacheWarnings;
    if (g_previousHandler)
        g_previousHandler(type, ctx, msg);
}

// A raw hiredis connection, to look at what the cache wrote.
struct RawRedis
{
    redisContext *c = nullptr;
    explicit RawRedis(const RedisEndpoint &e)
    {
        c = redisConnect(e.host.toUtf8().constData(), e.port);
        if (c && !c->err && e.db)
            freeReplyObject(redisCommand(c, "SELECT %d", e.db));
    }
    ~RawRedis() { redisFree(c); }
    QByteArray string(const char *fmt, const QByteArray &key)
    {
        auto *r = static_cast<redisReply *>(redisCommand(c, fmt, key.constData(), size_t(key.size())));
        QByteArray out;
        if (r && r->type == REDIS_REPLY_STRING)
            out = QByteArray(r->str, qsizetype(r->len));
        else if (r && r->type == REDIS_REPLY_INTEGER)
            out = QByteArray::number(r->integer);
        freeReplyObject(r);
        return out;
    }
};

// A redis-server of our own, to kill and restart.
class OwnRedis
{
public:
    bool start(int port)
    {
        m_port = port;
        m_process.setProgram(qEnvironmentVariable("BK_TEST_REDIS_SERVER"));
        m_process.setArguments({QStringLiteral("--port"), QString::number(port),
                                QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                                QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path()});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("redis.log")));
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 10000) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, quint16(port));
            if (s.waitForConnected(200))
                return true;
            if (m_process.state() != QProcess::Running)
                return false;
            QTest::qWait(20);
        }
        return false;
    }
    void kill()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    ~OwnRedis() { kill(); }
    // Where start() listens.
    RedisEndpoint endpoint() const
    {
        RedisEndpoint e;
        e.port = m_port;
        return e;
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    int m_port = 0;
};

int freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// A cache on an OwnRedis that a test kills or stops: quick reconnects and command timeouts,
// so an outage is noticed, and over, within the test's time.
RedisCache::Options outageOptions(int reconnectMaxMs, int commandTimeoutMs)
{
    RedisCache::Options o;
    o.reconnectMinMs = 20;
    o.reconnectMaxMs = reconnectMaxMs;
    o.commandTimeoutMs = commandTimeoutMs;
    return o;
}

} // namespace

class TestRedisCache : public QObject
{
    Q_OBJECT

private:
    RedisEndpoint sharedEndpoint()
    {
        return *RedisEndpoint::parse(test::redisUrl());
    }
    // Each test function works on its own instrument, so runs never see each other's keys.
    SeriesKey uniqueSeries()
    {
        SeriesKey s = kBtc;
        s.symbol = QStringLiteral("T%1-%2/USDT").arg(QCoreApplication::applicationPid()).arg(++m_serial);
        return s;
    }
    int m_serial = 0;

private slots:
    void initTestCase()
    {
        g_previousHandler = qInstallMessageHandler(countingHandler);
    }

    void parsesUrls()
    {
        auto e = RedisEndpoint::parse(QStringLiteral("redis://:pw@cache.local:6380/3"));
        QVERIFY(e);
        QCOMPARE(e->host, QStringLiteral("cache.local"));
        QCOMPARE(e->port, 6380);
        QCOMPARE(e->db, 3);
        QCOMPARE(e->password, QStringLiteral("pw"));
        QCOMPARE(e->toString(), QStringLiteral("redis://cache.local:6380/3")); // no password
        auto d = RedisEndpoint::parse(QStringLiteral("redis://localhost"));
        QVERIFY(d);
        QCOMPARE(d->port, 6379);
        QCOMPARE(d->db, 0);
        QVERIFY(!RedisEndpoint::parse(QStringLiteral("http://localhost")));
        QCOMPARE(RedisCache::entryKey(kBtc, {60000, 120000}),
                 QByteArrayLiteral("bk:v1:{crypto/binance/BTC/USDT}:1m:60000:120000"));
        QCOMPARE(RedisCache::indexKey(kBtc), QByteArrayLiteral("bk:v1:{crypto/binance/BTC/USDT}:idx"));
    }

    void roundTripWithKeySchemeAndTtl()
    {
        BK_REQUIRE_SERVER(test::redisUrl(), "Redis");
        RedisCache cache(sharedEndpoint(), 120);
        QVERIFY(cache.open());
        const SeriesKey s = uniqueSeries();
        const Bars day = makeBars(0, 1440);
        QVERIFY(!cache.get(s, minutes(0, 1440)));
        cache.put(s, minutes(0, 1440), day);
        const auto got = cache.get(s, minutes(0, 1440));
        QVERIFY(got);
        QCOMPARE(*got, day);

        // What is in Redis is the documented packed value under the documented key, with a TTL.
        RawRedis raw(sharedEndpoint());
        const QByteArray key = RedisCache::entryKey(s, minutes(0, 1440));
        QCOMPARE(raw.string("GET %b", key), packedbars::encode(day));
        const qint64 ttl = raw.string("TTL %b", key).toLongLong();
        QVERIFY2(ttl > 0 && ttl <= 120, qPrintable(QString::number(ttl)));
        QVERIFY(raw.string("TTL %b", RedisCache::indexKey(s)).toLongLong() > 0);

        QCOMPARE(cache.counters().hits.load(), 1);
        QCOMPARE(cache.counters().misses.load(), 1);
        QCOMPARE(cache.counters().errors.load(), 0);
        QVERIFY(cache.counters().operations.load() >= 3);

        // A value that is not a packed range is an error, not garbage bars.
        const QByteArray bogus = RedisCache::entryKey(s, minutes(5, 6));
        freeReplyObject(redisCommand(raw.c, "SET %b junk EX 120", bogus.constData(), size_t(bogus.size())));
        QVERIFY(!cache.get(s, minutes(5, 6)));
        QCOMPARE(cache.counters().errors.load(), 1);
    }

    void pipelinedBulk()
    {
        BK_REQUIRE_SERVER(test::redisUrl(), "Redis");
        RedisCache cache(sharedEndpoint(), 120);
        QVERIFY(cache.open());
        const SeriesKey s = uniqueSeries();
        const Days days = wholeDays(30);
        cache.putMany(s, days.ranges, days.bars);
        std::vector<TimeRange> asked = days.ranges;
        asked.push_back(minutes(-1440, 0)); // never put
        const auto got = cache.getMany(s, asked);
        QCOMPARE(got.size(), asked.size());
        for (int d = 0; d < 30; ++d) {
            QVERIFY(got[d]);
            QCOMPARE(*got[d], days.bars[d]);
        }
        QVERIFY(!got.back());
        QCOMPARE(cache.counters().hits.load(), 30);
        QCOMPARE(cache.counters().misses.load(), 1);
    }

    void invalidateDropsOverlappingOfEveryTimeframe()
    {
        BK_REQUIRE_SERVER(test::redisUrl(), "Redis");
        RedisCache cache(sharedEndpoint(), 120);
        QVERIFY(cache.open());
        const SeriesKey s = uniqueSeries();
        const SeriesKey hourly = s.withTimeframe(QStringLiteral("1h"));
        SeriesKey other = uniqueSeries();
        cache.put(s, minutes(0, 10), makeBars(0, 10));
        cache.put(s, minutes(10, 20), makeBars(10 * kMinuteMs, 10));
        cache.put(s, minutes(20, 30), makeBars(20 * kMinuteMs, 10));
        cache.put(hourly, minutes(0, 60), makeBars(0, 1));
        cache.put(other, minutes(0, 30), makeBars(0, 30));

        cache.invalidate(s, minutes(5, 10)); // end exclusive: [10,20) stays
        QVERIFY(!cache.get(s, minutes(0, 10)));
        QVERIFY(cache.get(s, minutes(10, 20)));
        QVERIFY(cache.get(s, minutes(20, 30)));
        QVERIFY(!cache.get(hourly, minutes(0, 60)));
        QVERIFY(cache.get(other, minutes(0, 30)));
        cache.invalidate(s, minutes(30, 40)); // touches nothing
        QVERIFY(cache.get(s, minutes(20, 30)));
        cache.invalidate(s, minutes(0, 100));
        QVERIFY(!cache.get(s, minutes(10, 20)));
        QVERIFY(!cache.get(s, minutes(20, 30)));
        QCOMPARE(cache.counters().errors.load(), 0);
    }

    // The outage drill: our own redis-server, killed mid-use and started again.
    void survivesRedisRestart()
    {
        BK_REQUIRE_SERVER(qEnvironmentVariable("BK_TEST_REDIS_SERVER"), "redis-server");
        const int port = freePort();
        OwnRedis server;
        QVERIFY(server.start(port));
        RedisCache cache(server.endpoint(), 60, outageOptions(200, 500));
        QVERIFY(cache.open());
        const Bars bars = makeBars(0, 60);
        cache.put(kBtc, minutes(0, 60), bars);
        QVERIFY(cache.get(kBtc, minutes(0, 60)));
        const int warningsBefore = g_cacheWarnings.load();

        server.kill();
        // A large pipelined write into the dead connection: several write(2)s, the later ones
        // after the peer's reset. That must not raise SIGPIPE in the process (it would die).
        const Days days = wholeDays(60);
        cache.putMany(kBtc, days.ranges, days.bars);
        // Reads fall through (a miss for the caller), quickly, and each counts an error.
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 200; ++i) {
            QVERIFY(!cache.get(kBtc, minutes(0, 60)));
            cache.put(kBtc, minutes(0, 60), bars); // skipped
            cache.invalidate(kBtc, minutes(0, 1));
        }
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!cache.isAvailable());
        QVERIFY(cache.counters().errors.load() >= 200);
        QCOMPARE(g_cacheWarnings.load() - warningsBefore, 1); // one warning for the outage

        QVERIFY(server.start(port));
        // It reconnects by itself on use and serves again.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                cache.put(kBtc, minutes(0, 60), bars);
                const auto got = cache.get(kBtc, minutes(0, 60));
                return got && *got == bars;
            }(),
            10000);
        QVERIFY(cache.isAvailable());
        QCOMPARE(g_cacheWarnings.load() - warningsBefore, 1);

        // A second outage warns once more (one per outage, not one per process).
        server.kill();
        QVERIFY(!cache.get(kBtc, minutes(0, 60)));
        QVERIFY(!cache.get(kBtc, minutes(0, 60)));
        QCOMPARE(g_cacheWarnings.load() - warningsBefore, 2);
    }

    // Redis that hangs (SIGSTOP) rather than dies: commands time out, the cache goes down,
    // and an invalidation made meanwhile is applied once Redis answers again, so the stale
    // range it kept in memory is never served.
    void invalidationDuringOutageIsReplayed()
    {
        BK_REQUIRE_SERVER(qEnvironmentVariable("BK_TEST_REDIS_SERVER"), "redis-server");
        const int port = freePort();
        OwnRedis server;
        QVERIFY(server.start(port));
        RedisCache::Options o = outageOptions(100, 200);
        o.connectTimeoutMs = 200;
        RedisCache cache(server.endpoint(), 60, o);
        QVERIFY(cache.open());
        cache.put(kBtc, minutes(0, 60), makeBars(0, 60));
        cache.put(kBtc, minutes(60, 120), makeBars(60 * kMinuteMs, 60));

        const qint64 pid = [&] {
            RawRedis raw(server.endpoint());
            auto *r = static_cast<redisReply *>(redisCommand(raw.c, "INFO server"));
            const QByteArray info(r->str, qsizetype(r->len));
            freeReplyObject(r);
            const int at = info.indexOf("process_id:");
            return info.mid(at + 11, info.indexOf('\r', at) - at - 11).toLongLong();
        }();
        QVERIFY(pid > 0);
        QVERIFY(QProcess::execute(QStringLiteral("kill"), {QStringLiteral("-STOP"), QString::number(pid)}) == 0);
        cache.invalidate(kBtc, minutes(0, 1));
        QVERIFY(!cache.isAvailable());
        QVERIFY(QProcess::execute(QStringLiteral("kill"), {QStringLiteral("-CONT"), QString::number(pid)}) == 0);
        QTRY_VERIFY_WITH_TIMEOUT(cache.get(kBtc, minutes(60, 120)).has_value(), 10000);
        QVERIFY(!cache.get(kBtc, minutes(0, 60))); // dropped by the replayed invalidation
    }
};

QTEST_GUILESS_MAIN(TestRedisCache)
#include "tst_rediscache.moc"
