// SPDX-License-Identifier: GPL-3.0-or-later
#include "barcache.h"

#include "memorycache.h"
#include "rediscache.h"

namespace barkeep {

BarCache::~BarCache() = default;

std::vector<std::optional<Bars>> BarCache::getMany(const SeriesKey &series,
                                                   const std::vector<TimeRange> &ranges)
{
    std::vector<std::optional<Bars>> out;
    out.reserve(ranges.size());
    for (const TimeRange &r : ranges)
        out.push_back(get(series, r));
    return out;
}

void BarCache::putMany(const SeriesKey &series, const std::vector<TimeRange> &ranges,
                       const std::vector<Bars> &bars)
{
    for (size_t i = 0; i < ranges.size() && i < bars.size(); ++i)
        put(series, ranges[i], bars[i]);
}

Result<std::unique_ptr<BarCache>> createBarCache(const QString &url, qint64 memoryMaxBytes,
                                                 int ttlSec)
{
    const QString trimmed = url.trimmed();
    if (trimmed.isEmpty() || trimmed == QLatin1String("memory:")) {
        if (memoryMaxBytes <= 0)
            return Error(Error::Kind::BadInput,
                         QStringLiteral("cache.memoryMaxBytes must be positive, got %1")
                             .arg(memoryMaxBytes));
        return std::unique_ptr<BarCache>(std::make_unique<MemoryCache>(memoryMaxBytes));
    }
    if (trimmed.startsWith(QLatin1String("redis://"))) {
        const Result<RedisEndpoint> endpoint = RedisEndpoint::parse(trimmed);
        if (!endpoint)
            return Error(endpoint.error().kind(),
                         QStringLiteral("cache.url: ") + endpoint.error().message(),
                         endpoint.error().detail());
        auto cache = std::make_unique<RedisCache>(*endpoint, ttlSec);
        // Connect now: an unreachable Redis is an error at start, not a silent miss later.
        if (const VoidResult opened = cache->open(); !opened)
            return opened.error();
        return std::unique_ptr<BarCache>(std::move(cache));
    }
    return Error(Error::Kind::BadInput,
                 QStringLiteral("cache.url: unsupported URL (expected memory: or "
                                "redis://host:port/db)"),
                 QStringLiteral("got a URL with scheme '%1'").arg(trimmed.section(QLatin1Char(':'), 0, 0)));
}

} // namespace barkeep
