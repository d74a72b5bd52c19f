// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barcache.h"

#include <QHash>
#include <QSet>
#include <QString>

#include <list>
#include <memory>
#include <mutex>

namespace barkeep {

// The default cache: bar ranges in process memory, least recently used evicted first once
// the total exceeds maxBytes (bars plus a fixed per-entry overhead). Thread-safe through one
// mutex; a lookup copies the bars out so no caller holds a reference into the cache.
//
// invalidate() drops overlapping entries of every timeframe of the (market, provider, symbol):
// a write of 1m bars changes every rollup built from them.
//
// One answer may take at most maxEntryBytes (an eighth of the cache by default): a chart that
// loads a whole history (1M bars = 48 MiB) would otherwise evict every hot range and keep a
// second copy of what the window already holds, for data the store reads back in ~40 ms.
class BARKEEPCORE_EXPORT MemoryCache final : public BarCache
{
public:
    // maxEntryBytes <= 0: maxBytes / 8.
    explicit MemoryCache(qint64 maxBytes, qint64 maxEntryBytes = 0);
    ~MemoryCache() override;

    QString describe() const override;
    VoidResult open() override;
    void close() override;

    std::optional<Bars> get(const SeriesKey &series, TimeRange range) override;
    void put(const SeriesKey &series, TimeRange range, const Bars &bars) override;
    void invalidate(const SeriesKey &series, TimeRange range) override;

    qint64 maxBytes() const { return m_maxBytes; }
    qint64 maxEntryBytes() const { return m_maxEntryBytes; }
    qint64 usedBytes() const;
    qsizetype entryCount() const;

    // What an entry of `barCount` bars costs against maxBytes.
    static qint64 entryBytes(qsizetype barCount);

private:
    struct Entry
    {
        QString instrument; // market/provider/symbol
        QString timeframe;
        TimeRange range;
        std::shared_ptr<const Bars> bars;
        qint64 bytes = 0;
    };
    using Lru = std::list<Entry>; // front = most recently used

    static QString entryKey(const QString &instrument, const QString &timeframe, TimeRange r);
    static QString instrumentOf(const SeriesKey &series);
    void eraseLocked(Lru::iterator it);
    void evictLocked();

    const qint64 m_maxBytes;
    const qint64 m_maxEntryBytes;
    mutable std::mutex m_mutex;
    Lru m_lru;
    QHash<QString, Lru::iterator> m_index;
    QHash<QString, QSet<QString>> m_byInstrument; // instrument -> entry keys
    qint64 m_usedBytes = 0;
};

} // namespace barkeep
