// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QMetaType>
#include <QString>

namespace barkeep {

// The one error type of Barkeep (the seed's PluginError family and DataSourceError).
// A kind says what went wrong in terms a caller can act on; each kind maps to exactly one
// HTTP status and one UI message (see httpStatus() and userMessage()).
class BARKEEPCORE_EXPORT Error
{
public:
    enum class Kind {
        BadInput,     // the caller asked for something invalid (400)
        Unauthorized, // missing or wrong API token (401)
        Auth,         // the provider refused our credentials (the seed's AuthenticationPluginError)
        NotFound,     // no such resource (404)
        Conflict,     // state does not allow it (409)
        RateLimited,  // the provider or we throttle; retryAfterMs tells how long (429)
        Banned,       // the provider banned this IP (Binance 418) until retryAfterMs
        Network,      // timeout, refused, reset (the seed's NetworkPluginError)
        Upstream,     // the provider failed (5xx)
        BadResponse,  // the provider answered something malformed; detail holds the fragment
        Unsupported,  // timeframe/feature not offered (PluginFeatureNotSupportedError)
        Storage,      // the store or cache failed (the seed's DataSourceError)
        Unavailable,  // a dependency is down (503)
        Cancelled,    // the operation was cancelled by the user
        Internal,     // a bug: "cannot happen" in release
    };

    Error() = default;
    Error(Kind kind, QString message, QString detail = {}, qint64 retryAfterMs = -1)
        : m_kind(kind), m_message(std::move(message)), m_detail(std::move(detail)),
          m_retryAfterMs(retryAfterMs)
    {}

    Kind kind() const { return m_kind; }
    const QString &message() const { return m_message; }
    // Extra context that is safe to show: an offending JSON fragment, a line number, ...
    const QString &detail() const { return m_detail; }
    // For RateLimited/Banned: how long to wait, in ms; -1 when unknown.
    qint64 retryAfterMs() const { return m_retryAfterMs; }

    // Stable lower-case code used in the API's {"error":{"code":...}}.
    QString code() const;
    int httpStatus() const;
    // A short translated sentence for the UI: what happened and what the user can do.
    QString userMessage() const;
    // Whether retrying the same request later may succeed.
    bool isTransient() const;
    QString toString() const;

    static QString kindName(Kind kind);
    static int httpStatus(Kind kind);

private:
    Kind m_kind = Kind::Internal;
    QString m_message;
    QString m_detail;
    qint64 m_retryAfterMs = -1;
};

} // namespace barkeep

Q_DECLARE_METATYPE(barkeep::Error)
