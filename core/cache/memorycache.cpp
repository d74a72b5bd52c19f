// SPDX-License-Identifier: GPL-3.0-or-later
#include "memorycache.h"

#include <algorithm>

#include <chrono>

namespace barkeep {

namespace {

// Key, list node and hash bookkeeping of one entry, so that a flood of tiny ranges is bounded too.
constexpr qint64 kEntryOverhead = 256;

class LatencyTimer
{
public:
    explicit LatencyTimer(CacheCounters &c) : m_counters(c), m_start(Clock::now()) {}
    ~LatencyTimer()
    {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - m_start);
        m_counters.latencyUsTotal.fetch_add(us.count(), std::memory_order_relaxed);
        m_counters.operations.fetch_add(1, std::memory_order_relaxed);
    }

private:
    using Clock = std::chrono::steady_clock;
    CacheCounters &m_counters;
    Clock::time_point m_start;
};

} // namespace

MemoryCache::MemoryCache(qint64 maxBytes, qint64 maxEntryBytes)
    : m_maxBytes(maxBytes)
    , m_maxEntryBytes(maxEntryBytes > 0 ? std::min(maxEntryBytes, maxBytes) : maxBytes / 8)
{}

MemoryCache::~MemoryCache() = default;

QString MemoryCache::describe() const
{
    return QStringLiteral("memory: (LRU, max %1 bytes)").arg(m_maxBytes);
}

VoidResult MemoryCache::open()
{
    return {};
}

void MemoryCache::close()
{
    std::lock_guard lock(m_mutex);
    m_lru.clear();
    m_index.clear();
    m_byInstrument.clear();
    m_usedBytes = 0;
}

qint64 MemoryCache::entryBytes(qsizetype barCount)
{
    return kEntryOverhead + qint64(barCount) * qint64(sizeof(Bar));
}

QString MemoryCache::instrumentOf(const SeriesKey &series)
{
    return series.market + QLatin1Char('/') + series.provider + QLatin1Char('/') + series.symbol;
}

QString MemoryCache::entryKey(const QString &instrument, const QString &timeframe, TimeRange r)
{
    return instrument + QLatin1Char('|') + timeframe + QLatin1Char('|') + QString::number(r.from)
        + QLatin1Char('|') + QString::number(r.to);
}

std::optional<Bars> MemoryCache::get(const SeriesKey &series, TimeRange range)
{
    LatencyTimer timer(m_counters);
    std::shared_ptr<const Bars> bars;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_index.constFind(entryKey(instrumentOf(series), series.timeframe, range));
        if (it != m_index.cend()) {
            m_lru.splice(m_lru.begin(), m_lru, it.value());
            bars = it.value()->bars;
        }
    }
    if (!bars) {
        m_counters.misses.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    m_counters.hits.fetch_add(1, std::memory_order_relaxed);
    return *bars; // copied outside the lock
}

void MemoryCache::put(const SeriesKey &series, TimeRange range, const Bars &bars)
{
    LatencyTimer timer(m_counters);
    const qint64 bytes = entryBytes(qsizetype(bars.size()));
    if (bytes > m_maxEntryBytes)
        return; // see the class comment: too big to be worth the memory
    auto shared = std::make_shared<const Bars>(bars); // copied outside the lock
    const QString instrument = instrumentOf(series);
    const QString key = entryKey(instrument, series.timeframe, range);

    std::lock_guard lock(m_mutex);
    if (const auto it = m_index.constFind(key); it != m_index.cend())
        eraseLocked(it.value());
    m_lru.push_front(Entry{instrument, series.timeframe, range, std::move(shared), bytes});
    m_index.insert(key, m_lru.begin());
    m_byInstrument[instrument].insert(key);
    m_usedBytes += bytes;
    evictLocked();
}

void MemoryCache::invalidate(const SeriesKey &series, TimeRange range)
{
    LatencyTimer timer(m_counters);
    const QString instrument = instrumentOf(series);
    std::lock_guard lock(m_mutex);
    const auto keysIt = m_byInstrument.constFind(instrument);
    if (keysIt == m_byInstrument.cend())
        return;
    const QSet<QString> keys = keysIt.value(); // eraseLocked() edits the set
    for (const QString &key : keys) {
        const auto it = m_index.constFind(key);
        if (it == m_index.cend())
            continue;
        const TimeRange r = it.value()->range;
        if (r.from < range.to && range.from < r.to)
            eraseLocked(it.value());
    }
}

qint64 MemoryCache::usedBytes() const
{
    std::lock_guard lock(m_mutex);
    return m_usedBytes;
}

qsizetype MemoryCache::entryCount() const
{
    std::lock_guard lock(m_mutex);
    return qsizetype(m_lru.size());
}

void MemoryCache::eraseLocked(Lru::iterator it)
{
    const QString key = entryKey(it->instrument, it->timeframe, it->range);
    auto keysIt = m_byInstrument.find(it->instrument);
    if (keysIt != m_byInstrument.end()) {
        keysIt->remove(key);
        if (keysIt->isEmpty())
            m_byInstrument.erase(keysIt);
    }
    m_index.remove(key);
    m_usedBytes -= it->bytes;
    m_lru.erase(it);
}

void MemoryCache::evictLocked()
{
    while (m_usedBytes > m_maxBytes && !m_lru.empty())
        eraseLocked(std::prev(m_lru.end()));
}

} // namespace barkeep
