// SPDX-License-Identifier: GPL-3.0-or-later
#include "barcache.h"

namespace barkeep {

BarCache::~BarCache() = default;

Result<std::unique_ptr<BarCache>> createBarCache(const QString &url, qint64, int)
{
    return Error(Error::Kind::Unsupported, QStringLiteral("no cache for '%1' yet").arg(url));
}

} // namespace barkeep
