// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "cache/rediscache.h"
#include "model/bar.h"
#include "model/series.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <optional>
#include <random>

namespace barkeep {

class RedisAsyncConnection;
struct ApiOptions;

// Several instances sharing one Redis (cache.url=redis://…): the stream's fan-out between
// them, and which instance holds the upstream of a series. API thread only; never blocks
// (two non-blocking connections: commands, and Pub/Sub).
//
// Scheme (version 1), <instrument> and the hash tag as in RedisCache:
//
//   bk:stream:v1:{<instrument>}:<timeframe>   Pub/Sub channel of the series' bars, published
//                                             by the lease holder only
//   bk:lease:v1:{<instrument>}:<timeframe>    STRING the holder's instance id, PX leaseMs
//
// A message is binary: 16 bytes instance id (the publisher's, so an instance skips its own:
// it delivered them locally already), one kind byte ('F' final bar, 'f' forming bar,
// 'R' lease released), then for bars packedbars::encode of that one bar (56 bytes).
//
// Lease: an instance with local subscribers of a series subscribes to its channel and tries
// `SET lease id NX PX leaseMs`; the winner runs the upstream (upstreamWanted) and renews
// every leaseMs/3 with a compare-and-renew script (only while the value is still its id).
// The others retry at the same period, so when the holder dies its key expires and one of
// them takes over within leaseMs + leaseMs/3. The holder releases (compare-and-delete, then
// an 'R' message so a watcher takes over at once) when its last local subscriber leaves.
// A holder whose renewal finds another id stops its upstream (upstreamUnwanted).
//
// Redis unreachable: one warning, every watched series gets its local upstream (each
// instance serves its own clients, as without Redis), reconnect with backoff and jitter like
// RedisCache; once back, the leases are contended again and the losers stop theirs.
// "Unreachable" includes a Redis that stops answering without closing the connection
// (SIGSTOP, a hung host): both connections PING every pingIntervalMs and count as lost when
// an answer (or a new connection's handshake) is missing for pingTimeoutMs
// (RedisAsyncConnection::setWatchdog).
class RedisFanout : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int leaseMs = 6000;
        int reconnectMinMs = RedisCache::Options().reconnectMinMs;
        int reconnectMaxMs = RedisCache::Options().reconnectMaxMs;
        int pingIntervalMs = 1000; // 0 = no watchdog
        int pingTimeoutMs = 4000;  // below leaseMs: a stall is noticed before a lease lapses
    };
    // The stream* fields of ApiOptions (localapiserver.h).
    static Options fromApiOptions(const ApiOptions &api);

    enum class Kind : char { Final = 'F', Forming = 'f', Released = 'R' };
    struct Message
    {
        QByteArray instance; // 16 bytes
        Kind kind = Kind::Final;
        Bar bar;
    };

    RedisFanout(const RedisEndpoint &endpoint, const Options &options, QObject *parent = nullptr);
    ~RedisFanout() override;

    // Connects (in the background; bars flow once Redis answered).
    void start();
    // The series got its first local subscriber / lost its last one.
    void watch(const SeriesKey &series);
    void unwatch(const SeriesKey &series);
    // A bar of this instance's upstream of `series` (published when it holds the lease).
    void publish(const SeriesKey &series, const Bar &bar, bool final);

    bool isUp() const { return m_up; }
    bool holds(const SeriesKey &series) const;
    const QByteArray &instanceId() const { return m_instance; }

    static QByteArray channel(const SeriesKey &series);
    static QByteArray leaseKey(const SeriesKey &series);
    // Exported for the fuzz target (tests/fuzz/fuzz_redis_fanout.cpp): a message comes from
    // any client of the shared Redis.
    BARKEEPCORE_EXPORT static QByteArray encode(const QByteArray &instance, Kind kind, const Bar &bar = {});
    // std::nullopt for anything that is not a well-formed message.
    BARKEEPCORE_EXPORT static std::optional<Message> decode(const QByteArray &payload);

signals:
    // Run this instance's upstream of `series` (it won the lease, or Redis is down);
    // `takeover`: another instance held it before, so resume where that one may have stopped.
    void upstreamWanted(const barkeep::SeriesKey &series, bool takeover);
    // Stop it: another instance holds the lease.
    void upstreamUnwanted(const barkeep::SeriesKey &series);
    // A bar another instance's upstream produced.
    void remoteBar(const barkeep::SeriesKey &series, const barkeep::Bar &bar, bool final);

private:
    struct Watched
    {
        SeriesKey series;
        bool holder = false;
        bool local = false;     // upstreamWanted sent, not yet upstreamUnwanted
        bool inFlight = false;  // an acquire/renew is waiting for its reply
        bool seenOther = false; // another instance held the lease while we watched
    };

    void connectAll();
    void onReady();
    void onLost(const QString &error);
    void tick();
    void contend(const QByteArray &channel);
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void setLocal(Watched &w, bool on, bool takeover = false);

    const RedisEndpoint m_endpoint;
    const Options m_options;
    const QByteArray m_instance;
    RedisAsyncConnection *m_commands;
    RedisAsyncConnection *m_pubsub;
    QHash<QByteArray, Watched> m_watched; // by channel
    QTimer m_tick;
    QTimer m_reconnect;
    bool m_up = false;
    bool m_warned = false;
    int m_failures = 0;
    std::minstd_rand m_random;
};

} // namespace barkeep
