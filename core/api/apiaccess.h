// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"
#include "util/error.h"

#include <QByteArray>
#include <QMutex>
#include <QStringList>

#include <functional>
#include <optional>

class QHttpServerRequest;

namespace barkeep {

// Who may use the API: the token (Bearer header; `?token=` only on the WebSocket URL, for
// clients that cannot set headers: anywhere else a URL token would end up in proxy logs and
// shell histories, so it is refused), the Host header (DNS rebinding) and, for WebSocket
// upgrades, the Origin header (cross-site WebSocket hijacking). Thread-safe: the server asks
// on its thread while the token may be replaced from another (replaceToken()).
class BARKEEPCORE_EXPORT ApiAccess
{
public:
    // The one path where a query token is accepted.
    static constexpr const char *kStreamPath = "/api/v1/stream";

    ApiAccess(QByteArray token, QStringList allowedHosts, QStringList allowedOrigins,
              int maxHeaders);
    ~ApiAccess();
    ApiAccess(const ApiAccess &) = delete;
    ApiAccess &operator=(const ApiAccess &) = delete;

    // Returns why the request may not proceed, or nothing. A query token outside the stream
    // path is refused even where no token is needed, so a client learns to move it.
    std::optional<Error> check(const QHttpServerRequest &request, bool needToken) const;
    // The Origin check of WebSocket upgrades: an absent Origin (scripts, curl) is allowed; a
    // browser page may connect only from a loopback or configured origin.
    std::optional<Error> checkOrigin(const QHttpServerRequest &request) const;
    // Whether the request carries a token at all (header or query), right or wrong.
    static bool presentsToken(const QHttpServerRequest &request);

    QByteArray token() const;
    void setToken(const QByteArray &token);
    // Revocation: every live ApiAccess of this process that accepts `oldToken` accepts
    // `newToken` instead, from the next request on (ApiToken::regenerate calls it, so the
    // settings dialog's "Regenerate" locks the old token out of the running server at once).
    // Returns how many switched.
    static int replaceToken(const QByteArray &oldToken, const QByteArray &newToken);
    // Called (on the replacing thread) when replaceToken() switched this instance: the owner
    // closes what was admitted with the old token (open stream WebSockets). Empty: none.
    void setTokenReplacedHandler(std::function<void()> handler);

    // Constant-time comparison: no early exit on the first differing byte.
    static bool tokensEqual(const QByteArray &a, const QByteArray &b);
    // Whether a Host header value names this server.
    static bool hostAllowed(const QByteArray &hostHeader, const QStringList &allowed);
    static bool originAllowed(const QByteArray &origin, const QStringList &allowedHosts,
                              const QStringList &allowedOrigins);

private:
    mutable QMutex m_tokenMutex;
    QByteArray m_token;
    const QStringList m_allowedHosts;
    const QStringList m_allowedOrigins;
    const int m_maxHeaders;
    std::function<void()> m_tokenReplaced; // under m_tokenMutex
};

} // namespace barkeep
