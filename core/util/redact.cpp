// SPDX-License-Identifier: GPL-3.0-or-later
#include "redact.h"

#include <QRegularExpression>
#include <QStringList>

namespace barkeep {

namespace {

bool isPasswordKey(QStringView key)
{
    return key.trimmed().endsWith(QLatin1String("password"), Qt::CaseInsensitive); // sslpassword too
}

// scheme://user:password@host/... -> scheme://user@host/...
void dropUserInfoPassword(QString &s, int authority)
{
    // The user info ends at the last '@', not the first: an unencoded '@' in a password must
    // not leave the password's tail visible. Over-eager on a path holding '@' after a port,
    // which only hides more of an error message.
    const int at = s.lastIndexOf(QLatin1Char('@'));
    if (at <= authority)
        return;
    const int colon = s.indexOf(QLatin1Char(':'), authority);
    if (colon >= 0 && colon < at)
        s.remove(colon, at - colon);
}

// ?a=1&password=x&b=2 -> ?a=1&b=2
void dropPasswordQueryItems(QString &s, int authority)
{
    const int q = s.indexOf(QLatin1Char('?'), authority);
    if (q < 0)
        return;
    int end = s.indexOf(QLatin1Char('#'), q);
    if (end < 0)
        end = s.size();
    QStringList kept;
    bool dropped = false;
    for (const QString &item : s.mid(q + 1, end - q - 1).split(QLatin1Char('&'))) {
        if (isPasswordKey(QStringView(item).left(item.indexOf(QLatin1Char('=')))))
            dropped = true;
        else
            kept << item;
    }
    if (!dropped)
        return;
    const QString query = kept.join(QLatin1Char('&'));
    s.replace(q, end - q, query.isEmpty() ? QString() : QLatin1Char('?') + query);
}

} // namespace

QString redactedUrl(const QString &url)
{
    QString s = url;
    const int schemeEnd = s.indexOf(QLatin1String("://"));
    if (schemeEnd > 0) {
        dropUserInfoPassword(s, schemeEnd + 3);
        dropPasswordQueryItems(s, schemeEnd + 3);
    }
    // libpq's key=value form (host=h password='x y' dbname=d), and whatever a malformed URL
    // left behind.
    static const QRegularExpression keyValue(
        QStringLiteral(R"(((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s#]+))"),
        QRegularExpression::CaseInsensitiveOption);
    s.replace(keyValue, QStringLiteral("\\1***"));
    return s;
}

} // namespace barkeep
