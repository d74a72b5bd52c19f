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
    // A token file the user names (--api-token-file, BARKEEP_API_TOKEN_FILE): its first line,
    // trimmed. Missing, unreadable or empty is an error (never a fresh token: a typo in the
    // path must not start a server with a token nobody knows).
    static Result<QByteArray> readFile(const QString &path);
    // Whether users other than the owner may read the file (worth a warning).
    static bool readableByOthers(const QString &path);
    // Replaces the token with a new one (the settings dialog's "Regenerate"); every API server
    // of this process that accepted the old token accepts only the new one from now on.
    static Result<QByteArray> regenerate(const QString &path);
};

} // namespace barkeep
