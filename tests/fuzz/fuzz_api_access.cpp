// SPDX-License-Identifier: GPL-3.0-or-later
// The local API's access checks on raw header values (ApiAccess, core/api/apiaccess.h): the
// Host header against api.allowedHosts (DNS rebinding), the Origin header of a WebSocket
// upgrade against api.allowedOrigins, and the constant-time token comparison. The input is
// split at newlines: Host, Origin, a presented token, the server's token, then allowed hosts
// and origins (the selector byte says how many of the rest are hosts). Through the public
// static API only (a QHttpServerRequest cannot be built outside Qt HTTP Server).
#include "api/apiaccess.h"
#include "fuzzinput.h"

#include <QList>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    if (size > 256 * 1024) // far beyond what Qt HTTP Server's header limits let through
        return 0;
    const uint8_t s = fuzz::takeSelector(data, size);
    const QList<QByteArray> parts = fuzz::bytes(data, size).split('\n');
    auto part = [&](qsizetype i) { return i < parts.size() ? parts[i] : QByteArray(); };
    const QByteArray host = part(0);
    const QByteArray origin = part(1);
    const QByteArray presented = part(2);
    const QByteArray token = part(3);
    QStringList hosts;
    QStringList origins;
    for (qsizetype i = 4; i < parts.size(); ++i)
        (i - 4 < (s & 0x0F) ? hosts : origins) << QString::fromUtf8(parts[i]);

    const bool equal = ApiAccess::tokensEqual(presented, token);
    if (equal != (presented == token && !token.isEmpty()))
        __builtin_trap();
    if (ApiAccess::tokensEqual(token, token) == token.isEmpty())
        __builtin_trap();

    const bool hostOk = ApiAccess::hostAllowed(host, hosts);
    // Allowing more never refuses what was allowed before.
    if (hostOk && !ApiAccess::hostAllowed(host, hosts + origins))
        __builtin_trap();
    if (!ApiAccess::hostAllowed("localhost:8765", hosts) || !ApiAccess::hostAllowed("[::1]:8765", hosts))
        __builtin_trap();

    const bool originOk = ApiAccess::originAllowed(origin, hosts, origins);
    if (origin.isEmpty() && !originOk)
        __builtin_trap(); // no Origin: not a browser, allowed
    if (originOk && !ApiAccess::originAllowed(origin, hosts + origins, origins + hosts))
        __builtin_trap();
    return 0;
}
