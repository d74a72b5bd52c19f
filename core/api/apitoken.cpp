// SPDX-License-Identifier: GPL-3.0-or-later
#include "apitoken.h"

#include "apiaccess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

namespace barkeep {

Result<QByteArray> ApiToken::loadOrCreate(const QString &path)
{
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly))
            return Error(Error::Kind::Storage,
                         QStringLiteral("cannot read the API token file %1: %2").arg(path, file.errorString()));
        const QByteArray token = file.readAll().trimmed();
        if (!token.isEmpty())
            return token;
        file.close();
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    const QByteArray token = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
    // Created 0600 from the start: no window in which another user could read it.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return Error(Error::Kind::Storage,
                     QStringLiteral("cannot write the API token file %1: %2").arg(path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (file.write(token + '\n') != token.size() + 1)
        return Error(Error::Kind::Storage,
                     QStringLiteral("cannot write the API token file %1: %2").arg(path, file.errorString()));
    return token;
}

Result<QByteArray> ApiToken::readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("cannot read the API token file %1: %2").arg(path, file.errorString()));
    // A token is 64 hex characters; anything far larger is not a token file.
    const QByteArray token = file.readLine(4096).trimmed();
    if (token.isEmpty())
        return Error(Error::Kind::BadInput, QStringLiteral("the API token file %1 is empty").arg(path));
    return token;
}

bool ApiToken::readableByOthers(const QString &path)
{
    return QFileInfo(path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther);
}

Result<QByteArray> ApiToken::regenerate(const QString &path)
{
    QByteArray old;
    if (QFile file(path); file.open(QIODevice::ReadOnly))
        old = file.readAll().trimmed();
    if (QFile::exists(path) && !QFile::remove(path))
        return Error(Error::Kind::Storage, QStringLiteral("cannot replace %1").arg(path));
    Result<QByteArray> fresh = loadOrCreate(path);
    // The old token stops working now, not at the next start: a leaked token is the usual
    // reason to regenerate one.
    if (fresh)
        ApiAccess::replaceToken(old, *fresh);
    return fresh;
}

} // namespace barkeep
