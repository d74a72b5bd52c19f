// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/result.h"

#include <libpq-fe.h>

#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace barkeep::pg {

// One thread's session with the server. Only the thread that opened it uses it.
struct Connection
{
    quint64 id = 0;
    PGconn *pg = nullptr;
    bool prepared = false;  // the write path's statements are prepared on this session
    qint64 stagedBytes = 0; // COPY data deleted from the stage table since it was last truncated
};

// The connections of one store, one per thread: a libpq connection must not be used by two
// threads at once, and a per-thread one needs no lock on the hot path. A thread's connection
// is opened on its first use and closed when the thread exits (a thread-local slot points
// back here) or on closeAll(). Held by shared_ptr: the thread-exit hook may outlive the store.
class Connections : public std::enable_shared_from_this<Connections>
{
public:
    // `url` is given to libpq; `described` names it in messages (no password).
    static std::shared_ptr<Connections> create(const QString &url, const QString &described);
    ~Connections();

    // Runs `fn(Connection *)` on this thread's connection. A server that answered before and
    // refuses now is most likely restarting, so connecting backs off (~6 s in all) before it
    // gives up; at start (never connected) an unreachable server is reported at once. When
    // the connection was lost under `fn` (restart, failover: the server rolled the
    // transaction back), it is re-established and `fn` runs once more; every operation of
    // the store is idempotent, so that cannot duplicate anything. `what` names it in logs.
    template <typename T, typename Fn>
    Result<T> run(const char *what, Fn &&fn)
    {
        for (int attempt = 0;; ++attempt) {
            Result<Connection *> conn = connectionWithBackoff();
            if (!conn)
                return conn.error();
            Connection *c = *conn;
            if (!ensureAlive(c))
                return lost(c);
            Result<T> result = fn(c);
            if (result || attempt > 0 || PQstatus(c->pg) == CONNECTION_OK)
                return result;
            logLost(what, result.error());
            if (!reconnect(c))
                return lost(c);
        }
    }

    // Closes every thread's connection: call it when no other thread uses them.
    void closeAll();
    int count() const;
    qint64 reconnects() const { return m_reconnects.load(); }

private:
    Connections(const QString &url, const QString &described);
    Result<Connection *> connection();
    Result<Connection *> connectionWithBackoff();
    bool ensureAlive(Connection *c);
    bool reconnect(Connection *c);
    Error lost(Connection *c) const;
    void logLost(const char *what, const Error &error) const;
    void release(quint64 connectionId);
    friend struct ThreadSlots;

    const QString m_url;
    const QString m_described;
    const quint64 m_id;
    mutable std::mutex m_mutex;
    std::unordered_map<quint64, std::unique_ptr<Connection>> m_connections;
    std::atomic<qint64> m_reconnects{0};
    std::atomic<bool> m_everConnected{false};
};

} // namespace barkeep::pg
