// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QHash>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace barkeep {

// Where the values come from, lowest precedence first (later wins): embedded defaults,
// the config file, BARKEEP_* environment variables, --set key=value.
struct BARKEEPCORE_EXPORT ConfigSources
{
    QString filePath;          // JSON config file; empty = none
    bool fileRequired = false; // true when given with --config: a missing file is a problem
    QProcessEnvironment environment;
    QStringList sets;          // "key=value" strings from --set
    QString dataDir;           // for the default store path
    QStringList knownProviders; // provider ids from plugin metadata; empty = built-in list
};

// Barkeep's configuration (the seed's config.py + validate()). Every key is declared in one
// table with its type and default; load() collects *all* problems instead of stopping at the
// first, so a user fixes a config in one go.
class BARKEEPCORE_EXPORT Config
{
public:
    struct LoadResult;

    Config() = default;

    static LoadResult load(const ConfigSources &sources);
    // Only the embedded defaults (for tests and "barkeep --help").
    static Config defaults(const QString &dataDir);
    // Every key this build understands, with provider keys spelled for `providers`.
    static QStringList knownKeys(const QStringList &providers = {});
    static QStringList builtinProviders();

    bool contains(const QString &key) const { return m_values.contains(key); }
    QVariant value(const QString &key) const { return m_values.value(key); }
    QString string(const QString &key) const { return m_values.value(key).toString(); }
    qint64 integer(const QString &key) const { return m_values.value(key).toLongLong(); }
    bool boolean(const QString &key) const { return m_values.value(key).toBool(); }
    // Where each key's value came from ("default", "file", "env", "--set").
    QString origin(const QString &key) const { return m_origins.value(key); }
    QStringList keys() const;

    // Convenience for the well-known keys of design.md.
    QString storeUrl() const { return string(QStringLiteral("store.url")); }
    QString cacheUrl() const { return string(QStringLiteral("cache.url")); }
    QString apiHost() const;
    quint16 apiPort() const;
    QString providerValue(const QString &provider, const QString &field) const
    {
        return string(QStringLiteral("providers.") + provider + QLatin1Char('.') + field);
    }
    bool providerEnabled(const QString &provider) const;

    // Sets a value programmatically (tests, the settings dialog); unchecked.
    void set(const QString &key, const QVariant &value, const QString &origin = QStringLiteral("set"))
    {
        m_values.insert(key, value);
        m_origins.insert(key, origin);
    }

private:
    QHash<QString, QVariant> m_values;
    QHash<QString, QString> m_origins;
};

struct Config::LoadResult
{
    Config config;
    QStringList problems; // empty = valid; each line names its source and key
    bool ok() const { return problems.isEmpty(); }
};

} // namespace barkeep
