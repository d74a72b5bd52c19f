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

    // One typed accessor per key of the key table (config.cpp), named after the key; the
    // table holds every default, and a key this Config does not hold (one made by hand, as
    // tests do) reads as that default. tst_config checks that each key has its accessor.
    QString storeUrl() const { return stringValue("store.url"); }
    QString cacheUrl() const { return stringValue("cache.url"); }
    qint64 cacheMemoryMaxBytes() const { return intValue("cache.memoryMaxBytes"); }
    qint64 cacheTtlSec() const { return intValue("cache.ttlSec"); }
    bool apiEnabled() const { return boolValue("api.enabled"); }
    QString apiListen() const { return stringValue("api.listen"); }
    QString apiToken() const { return stringValue("api.token"); }
    QString apiAllowedHosts() const { return stringValue("api.allowedHosts"); }
    QString apiAllowedOrigins() const { return stringValue("api.allowedOrigins"); }
    qint64 apiMaxConnectionsPerClient() const { return intValue("api.maxConnectionsPerClient"); }
    qint64 apiMaxRequestBytes() const { return intValue("api.maxRequestBytes"); }
    qint64 apiIdleTimeoutSec() const { return intValue("api.idleTimeoutSec"); }
    qint64 apiStreamLeaseMs() const { return intValue("api.streamLeaseMs"); }
    qint64 apiStreamRedisTimeoutMs() const { return intValue("api.streamRedisTimeoutMs"); }
    qint64 apiMaxBarsPerAnswer() const { return intValue("api.maxBarsPerAnswer"); }
    qint64 apiDefaultBars() const { return intValue("api.defaultBars"); }
    qint64 apiMaxSpanDays() const { return intValue("api.maxSpanDays"); }
    qint64 apiStreamPollMs() const { return intValue("api.streamPollMs"); }
    qint64 apiSnapshotBars() const { return intValue("api.snapshotBars"); }
    qint64 apiMaxSubscriptionsPerClient() const { return intValue("api.maxSubscriptionsPerClient"); }
    QString logRules() const { return stringValue("log.rules"); }
    QString logFormat() const { return stringValue("log.format"); }
    QString logFile() const { return stringValue("log.file"); }
    qint64 logFileMaxBytes() const { return intValue("log.fileMaxBytes"); }
    qint64 logFileKeep() const { return intValue("log.fileKeep"); }
    qint64 pluginsIdleTimeoutSec() const { return intValue("plugins.idleTimeoutSec"); }
    QString pluginsPath() const { return stringValue("plugins.path"); }
    qint64 backfillMaxConcurrentJobs() const { return intValue("backfill.maxConcurrentJobs"); }
    bool backfillRecheckEmpty() const { return boolValue("backfill.recheckEmpty"); }
    bool backfillUseArchive() const { return boolValue("backfill.useArchive"); }

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
    // The value of `key` (a key of the table, of that type), else the table's default.
    qint64 intValue(const char *key) const;
    bool boolValue(const char *key) const;
    QString stringValue(const char *key) const;
    QVariant valueOrDefault(const char *key) const;

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
