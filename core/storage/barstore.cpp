// SPDX-License-Identifier: GPL-3.0-or-later
#include "barstore.h"

namespace barkeep {

BarStore::~BarStore() = default;

Result<std::unique_ptr<BarStore>> createBarStore(const QString &url)
{
    return Error(Error::Kind::Unsupported, QStringLiteral("no store for '%1' yet").arg(url));
}

} // namespace barkeep
