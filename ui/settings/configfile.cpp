// SPDX-License-Identifier: GPL-3.0-or-later
#include "configfile.h"

#include "config/config.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTemporaryDir>

namespace barkeep::ui {

Result<QJsonObject> ConfigFile::read(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return QJsonObject();
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::Storage, QStringLiteral("%1: %2").arg(path, file.errorString()));
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return Error(Error::Kind::BadInput,
                     QStringLiteral("%1: not a JSON object (%2)").arg(path, err.errorString()));
    return doc.object();
}

namespace {
void setPath(QJsonObject &obj, QStringList parts, const QVariant &value)
{
    const QString head = parts.takeFirst();
    if (parts.isEmpty()) {
        if (value.isNull())
            obj.remove(head);
        else
            obj.insert(head, QJsonValue::fromVariant(value));
        return;
    }
    QJsonObject child = obj.value(head).toObject();
    setPath(child, parts, value);
    if (child.isEmpty())
        obj.remove(head);
    else
        obj.insert(head, child);
}
} // namespace

void ConfigFile::setValue(QJsonObject &root, const QString &dottedKey, const QVariant &value)
{
    // A file may spell a key flat ("store.url": ...); the nested form written here replaces it.
    root.remove(dottedKey);
    setPath(root, dottedKey.split(QLatin1Char('.')), value);
}

QJsonValue ConfigFile::value(const QJsonObject &root, const QString &dottedKey)
{
    if (root.contains(dottedKey))
        return root.value(dottedKey);
    QJsonValue v = root;
    for (const QString &part : dottedKey.split(QLatin1Char('.')))
        v = v.toObject().value(part);
    return v;
}

VoidResult ConfigFile::write(const QString &path, const QJsonObject &root)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error(Error::Kind::Storage, QStringLiteral("%1: %2").arg(path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Error(Error::Kind::Storage, QStringLiteral("%1: %2").arg(path, file.errorString()));
    return {};
}

QStringList ConfigFile::validate(const QJsonObject &root, const QStringList &providers)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    if (VoidResult ok = write(path, root); !ok)
        return {ok.error().message()};
    ConfigSources sources;
    sources.filePath = path;
    sources.fileRequired = true;
    sources.dataDir = dir.path();
    sources.knownProviders = providers;
    QStringList problems = Config::load(sources).problems;
    // Name the real file, not the temporary copy.
    for (QString &p : problems)
        p.replace(path, QStringLiteral("config.json"));
    return problems;
}

} // namespace barkeep::ui
