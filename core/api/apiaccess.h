// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/error.h"

#include <QByteArray>
#include <QStringList>

#include <optional>

class QHttpServerRequest;

namespace barkeep {

// Who may use the API: the token (Bearer header, or ?token= for WebSocket clients that
// cannot set headers), the Host header (DNS rebinding) and, for WebSocket upgrades, the
// Origin header (cross-site WebSocket hijacking). Immutable after construction, so any
// thread may ask.
class BARKEEPCORE_EXPORT ApiAccess
{
public:
    ApiAccess(QByteArray token, QStringList allowedHosts, QStringList allowedOrigins,
              int maxHeaders);

    // Returns why the request may not proceed, or nothing.
    std::optional<Error> check(const QHttpServerRequest &request, bool needToken) const;
    // The Origin check of WebSocket upgrades: an absent Origin (scripts, curl) is allowed; a
    // browser page may connect only from a loopback or configured origin.
    std::optional<Error> checkOrigin(const QHttpServerRequest &request) const;

    // Constant-time comparison: no early exit on the first differing byte.
    static bool tokensEqual(const QByteArray &a, const QByteArray &b);
    // Whether a Host header value names this server.
    static bool hostAllowed(const QByteArray &hostHeader, const QStringList &allowed);
    static bool originAllowed(const QByteArray &origin, const QStringList &allowedHosts,
                              const QStringList &allowedOrigins);

private:
    QByteArray m_token;
    QStringList m_allowedHosts;
    QStringList m_allowedOrigins;
    int m_maxHeaders;
};

} // namespace barkeep
