// SPDX-License-Identifier: GPL-3.0-or-later
#include "apiaccess.h"

#include <QHttpServerRequest>
#include <QSet>
#include <QUrl>
#include <QUrlQuery>

namespace barkeep {

namespace {
// Every live ApiAccess, for replaceToken(). A process has one or two (tests run several).
QMutex g_instancesMutex;
QSet<ApiAccess *> &instances()
{
    static QSet<ApiAccess *> set;
    return set;
}

const QString kTokenItem = QStringLiteral("token");

bool isLoopbackName(const QString &host)
{
    return host == QLatin1String("localhost") || host == QLatin1String("127.0.0.1")
        || host == QLatin1String("::1");
}
} // namespace

ApiAccess::ApiAccess(QByteArray token, QStringList allowedHosts, QStringList allowedOrigins,
                     int maxHeaders)
    : m_token(std::move(token)), m_allowedHosts(std::move(allowedHosts)),
      m_allowedOrigins(std::move(allowedOrigins)), m_maxHeaders(maxHeaders)
{
    QMutexLocker lock(&g_instancesMutex);
    instances().insert(this);
}

ApiAccess::~ApiAccess()
{
    QMutexLocker lock(&g_instancesMutex);
    instances().remove(this);
}

QByteArray ApiAccess::token() const
{
    QMutexLocker lock(&m_tokenMutex);
    return m_token;
}

void ApiAccess::setToken(const QByteArray &token)
{
    QMutexLocker lock(&m_tokenMutex);
    m_token = token;
}

void ApiAccess::setTokenReplacedHandler(std::function<void()> handler)
{
    QMutexLocker lock(&m_tokenMutex);
    m_tokenReplaced = std::move(handler);
}

int ApiAccess::replaceToken(const QByteArray &oldToken, const QByteArray &newToken)
{
    if (oldToken.isEmpty() || newToken.isEmpty())
        return 0;
    int switched = 0;
    QMutexLocker lock(&g_instancesMutex);
    for (ApiAccess *a : std::as_const(instances())) {
        QMutexLocker tokenLock(&a->m_tokenMutex);
        if (tokensEqual(a->m_token, oldToken)) {
            a->m_token = newToken;
            ++switched;
            // Still under the instances lock, so `a` cannot be destroyed meanwhile; the
            // handler only queues work for the server's own thread.
            if (a->m_tokenReplaced)
                a->m_tokenReplaced();
        }
    }
    return switched;
}

bool ApiAccess::presentsToken(const QHttpServerRequest &request)
{
    return !request.value("Authorization").isEmpty()
        || (request.url().hasQuery() && request.query().hasQueryItem(kTokenItem));
}

bool ApiAccess::tokensEqual(const QByteArray &a, const QByteArray &b)
{
    // Always walks the longer length so timing says nothing about where they differ.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0 && !a.isEmpty();
}

bool ApiAccess::hostAllowed(const QByteArray &hostHeader, const QStringList &allowed)
{
    QString host = QString::fromLatin1(hostHeader).trimmed().toLower();
    if (host.startsWith(QLatin1Char('['))) {
        host = host.mid(1, host.indexOf(QLatin1Char(']')) - 1);
    } else if (host.count(QLatin1Char(':')) == 1) {
        host = host.left(host.indexOf(QLatin1Char(':')));
    }
    if (isLoopbackName(host))
        return true;
    for (const QString &a : allowed)
        if (!a.trimmed().isEmpty() && host == a.trimmed().toLower())
            return true;
    return false;
}

bool ApiAccess::originAllowed(const QByteArray &origin, const QStringList &allowedHosts,
                              const QStringList &allowedOrigins)
{
    if (origin.isEmpty())
        return true; // not a browser: scripts and command-line clients send no Origin
    const QString o = QString::fromLatin1(origin).trimmed().toLower();
    for (const QString &a : allowedOrigins)
        if (!a.trimmed().isEmpty() && o == a.trimmed().toLower())
            return true;
    const QUrl url(o);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return false; // "null" (file://, sandboxed frames) included
    const QString host = url.host();
    if (isLoopbackName(host))
        return true;
    for (const QString &a : allowedHosts)
        if (!a.trimmed().isEmpty() && host == a.trimmed().toLower())
            return true;
    return false;
}

std::optional<Error> ApiAccess::check(const QHttpServerRequest &request, bool needToken) const
{
    if (request.headers().size() > m_maxHeaders)
        return Error(Error::Kind::BadInput,
                     QStringLiteral("too many request headers (%1, at most %2)")
                         .arg(request.headers().size())
                         .arg(m_maxHeaders));
    const QByteArray host = request.value("Host");
    if (!hostAllowed(host, m_allowedHosts))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("Host header '%1' is not allowed (add it to api.allowedHosts)")
                         .arg(QString::fromLatin1(host.left(200))));
    // A URL token is for WebSocket clients that cannot set headers; elsewhere it would be
    // written to proxy and shell histories, so it is refused even on routes that need none.
    const bool streamPath = request.url().path() == QLatin1String(kStreamPath);
    const bool queryToken = request.url().hasQuery() && request.query().hasQueryItem(kTokenItem);
    if (queryToken && !streamPath)
        return Error(Error::Kind::Unauthorized,
                     QStringLiteral("a token in the URL (?token=) is accepted on %1 only: send "
                                    "'Authorization: Bearer <token>' instead")
                         .arg(QLatin1String(kStreamPath)));
    if (!needToken)
        return std::nullopt;
    QByteArray token;
    const QByteArray auth = request.value("Authorization");
    if (auth.startsWith("Bearer ") || auth.startsWith("bearer "))
        token = auth.mid(7).trimmed();
    else if (queryToken)
        token = request.query().queryItemValue(kTokenItem, QUrl::FullyDecoded).toUtf8();
    if (token.isEmpty())
        return Error(Error::Kind::Unauthorized,
                     QStringLiteral("missing API token: send 'Authorization: Bearer <token>' "
                                    "(or ?token=<token> on the WebSocket URL %1)")
                         .arg(QLatin1String(kStreamPath)));
    if (!tokensEqual(token, this->token()))
        return Error(Error::Kind::Unauthorized, QStringLiteral("wrong API token"));
    return std::nullopt;
}

std::optional<Error> ApiAccess::checkOrigin(const QHttpServerRequest &request) const
{
    const QByteArray origin = request.value("Origin");
    if (originAllowed(origin, m_allowedHosts, m_allowedOrigins))
        return std::nullopt;
    return Error(Error::Kind::BadInput,
                 QStringLiteral("WebSocket Origin '%1' is not allowed (add it to api.allowedOrigins)")
                     .arg(QString::fromLatin1(origin.left(200))));
}

} // namespace barkeep
