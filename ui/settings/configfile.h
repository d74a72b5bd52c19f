// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/result.h"

#include <QJsonObject>
#include <QStringList>
#include <QVariant>

namespace barkeep::ui {

// Reading and writing the JSON config file that Config::load reads (~/.config/barkeep/
// config.json). Values are written nested ({"store": {"url": ...}}), keeping every key the
// dialog does not manage. GUI-free.
class ConfigFile
{
public:
    // The file's object; an empty object when it does not exist; an error when it is not JSON.
    static Result<QJsonObject> read(const QString &path);
    // Sets a dotted key (nested objects are created); a null QVariant removes it.
    static void setValue(QJsonObject &root, const QString &dottedKey, const QVariant &value);
    static QJsonValue value(const QJsonObject &root, const QString &dottedKey);
    // Writes atomically with mode 0600 (the file may hold API keys).
    static VoidResult write(const QString &path, const QJsonObject &root);
    // What Config::load would say about this object (every problem, one per line).
    static QStringList validate(const QJsonObject &root, const QStringList &providers);
};

} // namespace barkeep::ui
