// SPDX-License-Identifier: GPL-3.0-or-later
#include "redisfanout.h"

#include "api/localapiserver.h"
#include "cache/packedbars.h"
#include "log/logging.h"
#include "redisasyncconnection.h"

#include <hiredis/hiredis.h>

#include <QUuid>

namespace barkeep {

namespace {

constexpr qsizetype kIdSize = 16;

// Takes the lease when it is free, renews it when it is ours: 1 = ours (for leaseMs from
// now), 0 = another instance holds it. One script for both, so a holder whose key expired
// unnoticed simply takes it again, and a watcher that held it before a Redis blip keeps it.
const QByteArray kAcquireOrRenew = QByteArrayLiteral(
    "local v = redis.call('GET', KEYS[1]) "
    "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
    "if v then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1");

// Deletes the lease only while it is ours, then tells the watchers (ARGV[2] on ARGV[3]).
const QByteArray kRelease = QByteArrayLiteral(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "redis.call('DEL', KEYS[1]) redis.call('PUBLISH', ARGV[2], ARGV[3]) return 1 end "
    "return 0");

QByteArray seriesSuffix(const SeriesKey &series)
{
    return '{' + RedisCache::instrumentTag(series) + "}:" + series.timeframe.toUtf8();
}

} // namespace

RedisFanout::RedisFanout(const RedisEndpoint &endpoint, const Options &options, QObject *parent)
    : QObject(parent), m_endpoint(endpoint), m_options(options),
      m_instance(QUuid::createUuid().toRfc4122()),
      m_commands(new RedisAsyncConnection(endpoint, this)),
      m_pubsub(new RedisAsyncConnection(endpoint, this)),
      m_random(std::random_device{}())
{
    m_commands->setWatchdog(m_options.pingIntervalMs, m_options.pingTimeoutMs, false);
    m_pubsub->setWatchdog(m_options.pingIntervalMs, m_options.pingTimeoutMs, true);
    for (RedisAsyncConnection *c : {m_commands, m_pubsub}) {
        connect(c, &RedisAsyncConnection::ready, this, &RedisFanout::onReady);
        // Queued: the loss is reported from inside hiredis, which must not be re-entered.
        connect(c, &RedisAsyncConnection::lost, this, &RedisFanout::onLost, Qt::QueuedConnection);
    }
    connect(m_pubsub, &RedisAsyncConnection::message, this, &RedisFanout::onMessage);
    m_tick.setInterval(std::max(1, m_options.leaseMs / 3));
    connect(&m_tick, &QTimer::timeout, this, &RedisFanout::tick);
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &RedisFanout::connectAll);
}

RedisFanout::~RedisFanout()
{
    // Leave no lease behind: a watcher takes over at once instead of after the TTL.
    if (m_up)
        for (auto it = m_watched.cbegin(); it != m_watched.cend(); ++it)
            if (it->holder)
                m_commands->command({QByteArrayLiteral("EVAL"), kRelease, "1", leaseKey(it->series), m_instance.toHex(),
                                     it.key(), encode(m_instance, Kind::Released)});
    m_commands->flush(); // best effort: the TTL is the net
    m_commands->close();
    m_pubsub->close();
}

RedisFanout::Options RedisFanout::fromApiOptions(const ApiOptions &api)
{
    Options o;
    o.leaseMs = api.streamLeaseMs;
    o.reconnectMinMs = api.streamRedisReconnectMinMs;
    o.reconnectMaxMs = api.streamRedisReconnectMaxMs;
    o.pingIntervalMs = api.streamRedisPingMs;
    o.pingTimeoutMs = api.streamRedisTimeoutMs;
    return o;
}

QByteArray RedisFanout::channel(const SeriesKey &series)
{
    return QByteArrayLiteral("bk:stream:v1:") + seriesSuffix(series);
}

QByteArray RedisFanout::leaseKey(const SeriesKey &series)
{
    return QByteArrayLiteral("bk:lease:v1:") + seriesSuffix(series);
}

QByteArray RedisFanout::encode(const QByteArray &instance, Kind kind, const Bar &bar)
{
    QByteArray m = instance.left(kIdSize);
    m.append(char(kind));
    if (kind != Kind::Released)
        m.append(packedbars::encode(Bars{bar}));
    return m;
}

std::optional<RedisFanout::Message> RedisFanout::decode(const QByteArray &payload)
{
    if (payload.size() < kIdSize + 1)
        return std::nullopt;
    Message m;
    m.instance = payload.left(kIdSize);
    m.kind = Kind(payload.at(kIdSize));
    if (m.kind == Kind::Released)
        return payload.size() == kIdSize + 1 ? std::optional<Message>(m) : std::nullopt;
    if (m.kind != Kind::Final && m.kind != Kind::Forming)
        return std::nullopt;
    const std::optional<Bars> bars = packedbars::decode(payload.constData() + kIdSize + 1,
                                                        payload.size() - kIdSize - 1);
    if (!bars || bars->size() != 1 || !bars->front().isFinite())
        return std::nullopt;
    m.bar = bars->front();
    return m;
}

void RedisFanout::start()
{
    qCInfo(lcStream).noquote() << QStringLiteral("stream fan-out over Redis at %1 (instance %2, lease %3 ms)")
                                      .arg(m_endpoint.toString(), QString::fromLatin1(m_instance.toHex()))
                                      .arg(m_options.leaseMs);
    m_tick.start();
    connectAll();
}

void RedisFanout::connectAll()
{
    m_commands->open();
    m_pubsub->open();
}

bool RedisFanout::holds(const SeriesKey &series) const
{
    const auto it = m_watched.constFind(channel(series));
    return it != m_watched.cend() && it->holder;
}

void RedisFanout::onReady()
{
    if (m_up || !m_commands->isReady() || !m_pubsub->isReady())
        return;
    m_up = true;
    m_failures = 0;
    if (m_warned)
        qCInfo(lcStream).noquote() << QStringLiteral("Redis at %1 is reachable again: stream fan-out resumes")
                                          .arg(m_endpoint.toString());
    m_warned = false;
    for (auto it = m_watched.begin(); it != m_watched.end(); ++it) {
        it->inFlight = false;
        m_pubsub->subscribe(it.key());
        contend(it.key());
    }
}

void RedisFanout::onLost(const QString &error)
{
    if (m_reconnect.isActive())
        return; // the other connection's loss of the same outage
    m_up = false;
    m_commands->close();
    m_pubsub->close();
    if (!m_warned) {
        // One warning per outage, as RedisCache does.
        qCWarning(lcStream).noquote()
            << QStringLiteral("Redis at %1 is unreachable (%2): each instance streams from its own "
                              "upstream until it is back")
                   .arg(m_endpoint.toString(), error);
        m_warned = true;
    }
    for (Watched &w : m_watched) {
        w.holder = false;
        w.inFlight = false;
        setLocal(w, true, w.seenOther);
    }
    // Growing delay with +-50 % jitter, as RedisCache's reconnects.
    const int shift = std::min(m_failures++, 16);
    const qint64 delay = std::min<qint64>(qint64(m_options.reconnectMinMs) << shift, m_options.reconnectMaxMs);
    std::uniform_int_distribution<qint64> jitter(delay / 2, delay + delay / 2);
    m_reconnect.start(int(jitter(m_random)));
}

void RedisFanout::watch(const SeriesKey &series)
{
    const QByteArray ch = channel(series);
    if (m_watched.contains(ch))
        return;
    Watched &w = m_watched[ch];
    w.series = series;
    if (!m_up)
        return setLocal(w, true); // Redis down (or not yet up): serve from our own upstream
    m_pubsub->subscribe(ch);
    contend(ch);
}

void RedisFanout::unwatch(const SeriesKey &series)
{
    const QByteArray ch = channel(series);
    const auto it = m_watched.constFind(ch);
    if (it == m_watched.cend())
        return;
    const bool holder = it->holder;
    m_watched.erase(it);
    if (!m_up)
        return;
    m_pubsub->unsubscribe(ch);
    if (holder)
        m_commands->command({QByteArrayLiteral("EVAL"), kRelease, "1", leaseKey(series), m_instance.toHex(), ch,
                             encode(m_instance, Kind::Released)});
}

void RedisFanout::tick()
{
    if (!m_up)
        return;
    for (auto it = m_watched.cbegin(); it != m_watched.cend(); ++it)
        contend(it.key());
}

void RedisFanout::contend(const QByteArray &ch)
{
    Watched &asking = m_watched[ch];
    if (asking.inFlight)
        return;
    asking.inFlight = true;
    const QByteArray key = leaseKey(asking.series);
    m_commands->command({QByteArrayLiteral("EVAL"), kAcquireOrRenew, "1", key, m_instance.toHex(),
                         QByteArray::number(m_options.leaseMs)},
                        [this, ch, key](const redisReply *r) {
        const auto it = m_watched.find(ch);
        if (it == m_watched.end()) {
            // Unwatched while asking: give back what we may just have taken.
            if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1 && m_up)
                m_commands->command({QByteArrayLiteral("EVAL"), kRelease, "1", key, m_instance.toHex(), ch,
                                     encode(m_instance, Kind::Released)});
            return;
        }
        Watched &w = *it;
        w.inFlight = false;
        if (!r || r->type != REDIS_REPLY_INTEGER)
            return; // connection gone (onLost follows) or a script error: next tick
        if (r->integer == 1) {
            if (!w.holder)
                qCDebug(lcStream) << "took the upstream lease of" << ch;
            w.holder = true;
            setLocal(w, true, w.seenOther);
        } else {
            if (w.holder)
                qCInfo(lcStream) << "lost the upstream lease of" << ch << "to another instance";
            w.holder = false;
            w.seenOther = true;
            setLocal(w, false);
        }
    });
}

void RedisFanout::onMessage(const QByteArray &ch, const QByteArray &payload)
{
    const auto it = m_watched.find(ch);
    if (it == m_watched.end())
        return;
    const std::optional<Message> m = decode(payload);
    if (!m) {
        qCDebug(lcStream) << "ignored a malformed message on" << ch;
        return;
    }
    if (m->instance == m_instance)
        return; // ours: delivered locally when the upstream produced it
    if (m->kind == Kind::Released) {
        if (!it->holder)
            contend(ch); // take over now rather than at the next tick
        return;
    }
    it->seenOther = true;
    emit remoteBar(it->series, m->bar, m->kind == Kind::Final);
}

void RedisFanout::publish(const SeriesKey &series, const Bar &bar, bool final)
{
    if (!m_up)
        return;
    const QByteArray ch = channel(series);
    const auto it = m_watched.constFind(ch);
    if (it == m_watched.cend() || !it->holder)
        return;
    m_commands->command({QByteArrayLiteral("PUBLISH"), ch, encode(m_instance, final ? Kind::Final : Kind::Forming, bar)});
}

void RedisFanout::setLocal(Watched &w, bool on, bool takeover)
{
    if (w.local == on)
        return;
    w.local = on;
    if (on)
        emit upstreamWanted(w.series, takeover);
    else
        emit upstreamUnwanted(w.series);
}

} // namespace barkeep
