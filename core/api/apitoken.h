// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>

namespace barkeep {

// The local API's token file: read it, or create it with a fresh random token (64 hex
// characters from the system CSPRNG), mode 0600 from the moment it exists.
class BARKEEPCORE_EXPORT ApiToken
{
public:
    static Result<QByteArray> loadOrCreate(const QString &path);
    // Replaces the token with a new one (the settings dialog's "Regenerate").
    static Result<QByteArray> regenerate(const QString &path);
};

} // namespace barkeep
