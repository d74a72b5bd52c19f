// SPDX-License-Identifier: GPL-3.0-or-later
// A member of a RedisCache index ZSET, "<timeframe>:<from>:<to>" (RedisCache::parseMember,
// core/cache/rediscache.h), read back by invalidate() from a Redis others write to. A
// member that parses names a range that parses back the same when written again.
#include "cache/rediscache.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const QByteArray member = fuzz::bytes(data, size);
    TimeRange range;
    if (!RedisCache::parseMember(member, &range))
        return 0;
    // The timeframe part is free text; the numbers are the last two fields.
    const QByteArray again = member.left(member.lastIndexOf(':', member.lastIndexOf(':') - 1)) + ':'
        + QByteArray::number(range.from) + ':' + QByteArray::number(range.to);
    TimeRange back;
    if (!RedisCache::parseMember(again, &back) || !(back == range))
        __builtin_trap();
    return 0;
}
