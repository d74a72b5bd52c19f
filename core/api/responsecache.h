// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <list>

namespace barkeep {

// Encoded /ohlcv answers, keyed by the normalized query (series, resolved since/until,
// limit, format), so a repeated question is answered without asking the orchestrator and
// without encoding 1000 bars again (the encoder was ~65 % of the server's CPU under wrk).
// Bodies are shared (QByteArray is implicitly shared), never copied on a hit.
//
// Freshness: an entry is dropped as soon as the series' stored data changes in this process
// (DataOrchestrator::barsStored → invalidateSeries) and, whatever happens, after `ttlMs`, which
// bounds staleness from writers this process does not hear about (a backfill writing straight
// to the store, another instance sharing PostgreSQL, `barkeep import`). Answers that reach the
// still-forming bucket are never cached (LocalApiServer decides). A generation counter keeps a
// slow miss that started before an invalidation from inserting what it read before it.
// Bounded by total body bytes, least recently used out first. Thread-safe.
class ResponseCache
{
public:
    struct Entry
    {
        QByteArray body;
        QByteArray contentType;
        qint64 next = -1; // the answer's `next` (X-Next-Since for CSV); < 0 = none
        QByteArray sources; // X-Bar-Sources of a CSV answer (BarsController::sourcesHeader)
    };

    ResponseCache(qint64 maxBytes, qint64 ttlMs) : m_maxBytes(maxBytes), m_ttlMs(ttlMs) {}

    // "market|provider|symbol": what invalidateSeries() matches (every timeframe of it).
    static QString seriesId(const QString &market, const QString &provider, const QString &symbol);

    bool find(const QByteArray &key, qint64 nowMs, Entry *out);
    quint64 generation() const;
    // Ignored when the cache was invalidated since `generation` was read.
    void insert(const QByteArray &key, const QString &seriesId, Entry entry, qint64 nowMs,
                quint64 generation);
    void invalidateSeries(const QString &seriesId);
    void clear();

    qint64 hits() const;
    qint64 misses() const;

private:
    struct Item
    {
        QByteArray key;
        QString seriesId;
        Entry entry;
        qint64 expiresMs = 0;
    };
    using List = std::list<Item>;
    void eraseLocked(List::iterator it);

    const qint64 m_maxBytes;
    const qint64 m_ttlMs;
    mutable QMutex m_mutex;
    List m_lru; // front = most recently used
    QHash<QByteArray, List::iterator> m_index;
    qint64 m_bytes = 0;
    quint64 m_generation = 0;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
};

} // namespace barkeep
