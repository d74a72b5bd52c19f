// SPDX-License-Identifier: GPL-3.0-or-later
#include "error.h"

#include <QCoreApplication>

namespace barkeep {

QString Error::kindName(Kind kind)
{
    switch (kind) {
    case Kind::BadInput: return QStringLiteral("bad_input");
    case Kind::Unauthorized: return QStringLiteral("unauthorized");
    case Kind::Auth: return QStringLiteral("provider_auth");
    case Kind::NotFound: return QStringLiteral("not_found");
    case Kind::Conflict: return QStringLiteral("conflict");
    case Kind::RateLimited: return QStringLiteral("rate_limited");
    case Kind::Banned: return QStringLiteral("banned");
    case Kind::Network: return QStringLiteral("network");
    case Kind::Upstream: return QStringLiteral("upstream");
    case Kind::BadResponse: return QStringLiteral("bad_response");
    case Kind::Unsupported: return QStringLiteral("unsupported");
    case Kind::Storage: return QStringLiteral("storage");
    case Kind::Unavailable: return QStringLiteral("unavailable");
    case Kind::Cancelled: return QStringLiteral("cancelled");
    case Kind::Internal: return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

// The single place where an error kind becomes an HTTP status (style.md §5).
int Error::httpStatus(Kind kind)
{
    switch (kind) {
    case Kind::BadInput: return 400;
    case Kind::Unauthorized: return 401;
    case Kind::Auth: return 502; // our upstream credentials failed; the API caller did nothing wrong
    case Kind::NotFound: return 404;
    case Kind::Conflict: return 409;
    case Kind::RateLimited: return 429;
    case Kind::Banned: return 429;
    case Kind::Network: return 504;
    case Kind::Upstream: return 502;
    case Kind::BadResponse: return 502;
    case Kind::Unsupported: return 501;
    case Kind::Storage: return 500;
    case Kind::Unavailable: return 503;
    case Kind::Cancelled: return 409;
    case Kind::Internal: return 500;
    }
    return 500;
}

QString Error::code() const { return kindName(m_kind); }

int Error::httpStatus() const { return httpStatus(m_kind); }

QString Error::userMessage() const
{
    const char *text = nullptr;
    switch (m_kind) {
    case Kind::BadInput: text = QT_TRANSLATE_NOOP("Error", "The request is not valid: %1"); break;
    case Kind::Unauthorized: text = QT_TRANSLATE_NOOP("Error", "Access denied: %1"); break;
    case Kind::Auth: text = QT_TRANSLATE_NOOP("Error", "The provider rejected the API key: %1. Check the key in Settings."); break;
    case Kind::NotFound: text = QT_TRANSLATE_NOOP("Error", "Not found: %1"); break;
    case Kind::Conflict: text = QT_TRANSLATE_NOOP("Error", "Not possible right now: %1"); break;
    case Kind::RateLimited: text = QT_TRANSLATE_NOOP("Error", "The provider asks us to slow down: %1"); break;
    case Kind::Banned: text = QT_TRANSLATE_NOOP("Error", "The provider has blocked requests for a while: %1"); break;
    case Kind::Network: text = QT_TRANSLATE_NOOP("Error", "Network problem: %1. Check the connection."); break;
    case Kind::Upstream: text = QT_TRANSLATE_NOOP("Error", "The provider failed: %1. Try again later."); break;
    case Kind::BadResponse: text = QT_TRANSLATE_NOOP("Error", "The provider sent data Barkeep cannot read: %1"); break;
    case Kind::Unsupported: text = QT_TRANSLATE_NOOP("Error", "Not supported: %1"); break;
    case Kind::Storage: text = QT_TRANSLATE_NOOP("Error", "The data store failed: %1"); break;
    case Kind::Unavailable: text = QT_TRANSLATE_NOOP("Error", "A service is unavailable: %1"); break;
    case Kind::Cancelled: text = QT_TRANSLATE_NOOP("Error", "Cancelled: %1"); break;
    case Kind::Internal: text = QT_TRANSLATE_NOOP("Error", "Internal error: %1. Please report it."); break;
    }
    return QCoreApplication::translate("Error", text).arg(m_message);
}

bool Error::isTransient() const
{
    switch (m_kind) {
    case Kind::RateLimited:
    case Kind::Banned:
    case Kind::Network:
    case Kind::Upstream:
    case Kind::Unavailable:
        return true;
    default:
        return false;
    }
}

QString Error::toString() const
{
    QString s = code() + QStringLiteral(": ") + m_message;
    if (!m_detail.isEmpty())
        s += QStringLiteral(" (") + m_detail + QLatin1Char(')');
    return s;
}

} // namespace barkeep
