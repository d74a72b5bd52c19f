// SPDX-License-Identifier: GPL-3.0-or-later
#include "apitoken.h"

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

Result<QByteArray> ApiToken::regenerate(const QString &path)
{
    if (QFile::exists(path) && !QFile::remove(path))
        return Error(Error::Kind::Storage, QStringLiteral("cannot replace %1").arg(path));
    return loadOrCreate(path);
}

} // namespace barkeep
