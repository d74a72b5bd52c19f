// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QString>

namespace barkeep {

// A connection string as it may be shown on stderr, in a log line or an API answer: the
// password of a URL's user info and `password=` query items are dropped
// ("postgresql://me:secret@host/db?password=x" -> "postgresql://me@host/db"), a libpq
// key=value `password=` becomes "password=***"; scheme, user, host, port and database stay,
// so the message still says where. Works on text QUrl refuses too: a malformed URL is exactly
// the kind that ends up quoted in an error. Every place that prints store.url, cache.url or
// another URL a user configured goes through this one function.
BARKEEPCORE_EXPORT QString redactedUrl(const QString &url);

} // namespace barkeep
