// SPDX-License-Identifier: GPL-3.0-or-later
#include "pgconnections.h"

#include "log/logging.h"

#include <chrono>
#include <thread>

namespace barkeep::pg {

namespace {

std::atomic<quint64> s_nextId{1};

void ignoreNotice(void *, const char *) {}

} // namespace

// The connections this thread opened, one per store; released when the thread exits.
struct ThreadSlots
{
    struct Slot
    {
        std::weak_ptr<Connections> owner;
        quint64 connectionId = 0;
    };
    std::unordered_map<quint64, Slot> byStore; // Connections::m_id -> slot
    ~ThreadSlots()
    {
        for (auto &[store, slot] : byStore) {
            if (const auto owner = slot.owner.lock())
                owner->release(slot.connectionId);
        }
    }
};

namespace {
thread_local ThreadSlots t_slots;
}

std::shared_ptr<Connections> Connections::create(const QString &url, const QString &described)
{
    return std::shared_ptr<Connections>(new Connections(url, described));
}

Connections::Connections(const QString &url, const QString &described)
    : m_url(url), m_described(described), m_id(s_nextId++)
{}

Connections::~Connections()
{
    closeAll();
}

void Connections::release(quint64 connectionId)
{
    std::unique_ptr<Connection> c;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_connections.find(connectionId);
        if (it == m_connections.end())
            return;
        c = std::move(it->second);
        m_connections.erase(it);
    }
    PQfinish(c->pg);
}

void Connections::closeAll()
{
    std::unordered_map<quint64, std::unique_ptr<Connection>> all;
    {
        std::lock_guard lock(m_mutex);
        all.swap(m_connections);
    }
    for (auto &[id, c] : all)
        PQfinish(c->pg);
}

int Connections::count() const
{
    std::lock_guard lock(m_mutex);
    return int(m_connections.size());
}

Result<Connection *> Connections::connection()
{
    ThreadSlots::Slot &slot = t_slots.byStore[m_id];
    {
        std::lock_guard lock(m_mutex);
        if (slot.connectionId) {
            const auto it = m_connections.find(slot.connectionId);
            if (it != m_connections.end())
                return it->second.get();
        }
    }
    // Connect outside the lock: other threads keep working meanwhile.
    const QByteArray url = m_url.toUtf8();
    const char *keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char *values[] = {url.constData(), "10", "barkeep", nullptr};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        const QString why = pg ? QString::fromUtf8(PQerrorMessage(pg)).trimmed()
                               : QStringLiteral("out of memory");
        PQfinish(pg);
        return Error(Error::Kind::Unavailable,
                     QStringLiteral("store.url %1: cannot connect to PostgreSQL").arg(m_described),
                     why);
    }
    PQsetNoticeProcessor(pg, ignoreNotice, nullptr);
    m_everConnected = true;
    auto c = std::make_unique<Connection>();
    c->id = s_nextId++;
    c->pg = pg;
    Connection *raw = c.get();
    std::lock_guard lock(m_mutex);
    m_connections.emplace(c->id, std::move(c));
    slot.owner = weak_from_this();
    slot.connectionId = raw->id;
    return raw;
}

Result<Connection *> Connections::connectionWithBackoff()
{
    Result<Connection *> conn = connection();
    for (int delayMs = 50; !conn && m_everConnected && delayMs <= 3200; delayMs *= 2) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
        conn = connection();
    }
    return conn;
}

bool Connections::ensureAlive(Connection *c)
{
    return PQstatus(c->pg) == CONNECTION_OK || reconnect(c);
}

bool Connections::reconnect(Connection *c)
{
    c->prepared = false;
    c->stagedBytes = 0; // a new session has a new, empty stage table
    // A restarting server refuses connections for a moment: back off 50 ms .. 3.2 s (~6 s in
    // all), which covers a fast restart without hanging a caller on a server that is gone.
    int delayMs = 50;
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (attempt > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
            delayMs *= 2;
        }
        PQreset(c->pg);
        if (PQstatus(c->pg) == CONNECTION_OK) {
            PQsetNoticeProcessor(c->pg, ignoreNotice, nullptr);
            ++m_reconnects;
            qCInfo(lcStore).noquote() << QStringLiteral("reconnected to %1").arg(m_described);
            return true;
        }
    }
    return false;
}

Error Connections::lost(Connection *c) const
{
    return Error(Error::Kind::Unavailable,
                 QStringLiteral("store.url %1: PostgreSQL connection lost").arg(m_described),
                 QString::fromUtf8(PQerrorMessage(c->pg)).trimmed());
}

void Connections::logLost(const char *what, const Error &error) const
{
    qCWarning(lcStore).noquote() << QStringLiteral("%1: PostgreSQL connection lost (%2); reconnecting")
                                        .arg(QLatin1String(what), error.detail());
}

} // namespace barkeep::pg
