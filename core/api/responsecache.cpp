// SPDX-License-Identifier: GPL-3.0-or-later
#include "responsecache.h"

#include <QMutexLocker>

namespace barkeep {

QString ResponseCache::seriesId(const QString &market, const QString &provider,
                                const QString &symbol)
{
    return market + QLatin1Char('|') + provider + QLatin1Char('|') + symbol;
}

bool ResponseCache::find(const QByteArray &key, qint64 nowMs, Entry *out)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_index.constFind(key);
    if (it == m_index.cend()) {
        ++m_misses;
        return false;
    }
    const List::iterator item = *it;
    if (item->expiresMs <= nowMs) {
        eraseLocked(item);
        ++m_misses;
        return false;
    }
    m_lru.splice(m_lru.begin(), m_lru, item);
    *out = item->entry;
    ++m_hits;
    return true;
}

quint64 ResponseCache::generation() const
{
    QMutexLocker lock(&m_mutex);
    return m_generation;
}

void ResponseCache::insert(const QByteArray &key, const QString &seriesId, Entry entry,
                           qint64 nowMs, quint64 generation)
{
    const qint64 size = entry.body.size() + key.size();
    if (size > m_maxBytes / 4 || m_ttlMs <= 0)
        return; // one answer may not evict most of the others
    QMutexLocker lock(&m_mutex);
    if (generation != m_generation)
        return;
    if (const auto it = m_index.constFind(key); it != m_index.cend())
        eraseLocked(*it);
    m_lru.push_front(Item{key, seriesId, std::move(entry), nowMs + m_ttlMs});
    m_index.insert(key, m_lru.begin());
    m_bytes += size;
    while (m_bytes > m_maxBytes && !m_lru.empty())
        eraseLocked(std::prev(m_lru.end()));
}

void ResponseCache::invalidateSeries(const QString &seriesId)
{
    QMutexLocker lock(&m_mutex);
    ++m_generation;
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        const auto next = std::next(it);
        if (it->seriesId == seriesId)
            eraseLocked(it);
        it = next;
    }
}

void ResponseCache::clear()
{
    QMutexLocker lock(&m_mutex);
    ++m_generation;
    m_lru.clear();
    m_index.clear();
    m_bytes = 0;
}

qint64 ResponseCache::hits() const
{
    QMutexLocker lock(&m_mutex);
    return m_hits;
}

qint64 ResponseCache::misses() const
{
    QMutexLocker lock(&m_mutex);
    return m_misses;
}

void ResponseCache::eraseLocked(List::iterator it)
{
    m_bytes -= it->entry.body.size() + it->key.size();
    m_index.remove(it->key);
    m_lru.erase(it);
}

} // namespace barkeep
