// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "log/logging.h"
#include "util/redact.h"

#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace barkeep {

namespace {

enum class Type { String, Bool, Int, HostPort, StoreUrl, CacheUrl, HttpUrl, WsUrl, Enum, Dir };

struct KeySpec
{
    const char *key; // "providers.*.baseUrl": '*' is any known provider id
    Type type;
    const char *defaultValue; // nullptr = no default
    qint64 min = 0;
    qint64 max = 0;
    const char *choices = nullptr; // for Enum: "a|b|c"
};

// The one table of configuration keys (design.md, "Configuration keys").
const KeySpec kSpecs[] = {
    {"store.url", Type::StoreUrl, nullptr},
    {"cache.url", Type::CacheUrl, "memory:"},
    {"cache.memoryMaxBytes", Type::Int, "268435456", 1 << 20, qint64(64) << 30},
    {"cache.ttlSec", Type::Int, "86400", 1, 365 * 86400},
    {"api.enabled", Type::Bool, "true"},
    {"api.listen", Type::HostPort, "127.0.0.1:8765"},
    {"api.token", Type::String, nullptr},
    {"api.allowedHosts", Type::String, ""},
    {"api.allowedOrigins", Type::String, ""},
    {"api.maxConnectionsPerClient", Type::Int, "64", 1, 100000},
    {"api.maxRequestBytes", Type::Int, "65536", 1024, 16 << 20},
    {"api.idleTimeoutSec", Type::Int, "60", 1, 86400},
    // The stream's upstream lease between instances on one Redis (RedisFanout): a dead
    // holder is replaced within TTL + TTL/3; below 1 s the renewals would be mostly traffic.
    {"api.streamLeaseMs", Type::Int, "6000", 1000, 600000},
    // How long the stream's Redis may answer nothing (not even PINGs, sent every quarter of
    // it) before it counts as down and each instance serves its clients from its own upstream;
    // keep it below api.streamLeaseMs, so a stall is noticed before the lease lapses.
    {"api.streamRedisTimeoutMs", Type::Int, "4000", 200, 600000},
    // /ohlcv: the largest `limit`, the default one, and the most 1m history one answer
    // covers (a longer ask pages); the stream's snapshots follow the same bounds.
    {"api.maxBarsPerAnswer", Type::Int, "5000", 1, 1000000},
    {"api.defaultBars", Type::Int, "1000", 1, 1000000},
    {"api.maxSpanDays", Type::Int, "366", 1, 36600},
    // The WebSocket stream: how often a series without a provider stream is polled, the
    // bars of a subscription's snapshot when it names no `limit`, subscriptions per connection.
    {"api.streamPollMs", Type::Int, "3000", 100, 3600000},
    {"api.snapshotBars", Type::Int, "100", 0, 1000000},
    {"api.maxSubscriptionsPerClient", Type::Int, "64", 1, 100000},
    {"log.rules", Type::String, ""},
    // auto: journal lines under systemd, JSON lines headless, text otherwise.
    {"log.format", Type::Enum, "auto", 0, 0, "auto|text|json|journal"},
    // Log lines to this file instead of stderr, renamed to FILE.1 (and so on, up to
    // log.fileKeep of them) when the next line would take it past log.fileMaxBytes.
    {"log.file", Type::String, ""},
    {"log.fileMaxBytes", Type::Int, "10485760", 65536, qint64(1) << 40},
    {"log.fileKeep", Type::Int, "5", 1, 100},
    {"plugins.idleTimeoutSec", Type::Int, "300", 1, 7 * 86400},
    {"plugins.path", Type::Dir, ""},
    {"backfill.maxConcurrentJobs", Type::Int, "2", 1, 64},
    {"backfill.recheckEmpty", Type::Bool, "false"},
    {"backfill.useArchive", Type::Bool, "true"},
    {"providers.*.enabled", Type::Bool, "true"},
    {"providers.*.baseUrl", Type::HttpUrl, ""},
    {"providers.*.wsUrl", Type::WsUrl, ""},
    {"providers.*.archiveUrl", Type::HttpUrl, ""},
    {"providers.*.tradingUrl", Type::HttpUrl, ""},
    {"providers.*.apiKey", Type::String, ""},
    {"providers.*.apiSecret", Type::String, ""},
    {"providers.*.testnet", Type::Bool, "false"},
    {"providers.*.feed", Type::Enum, "iex", 0, 0, "iex|sip|delayed_sip|otc|boats"},
};

// Environment variables that are not config keys: read by main() (the token file), by
// application start (plugins) or by API clients such as examples/ (BARKEEP_URL), so a shell
// that exports them for a script can still start barkeep.
const char *const kNonKeyEnv[] = {"BARKEEP_PLUGIN_PATH", "BARKEEP_API_TOKEN_FILE", "BARKEEP_URL"};

QString typeName(Type t)
{
    switch (t) {
    case Type::String: return QStringLiteral("a string");
    case Type::Bool: return QStringLiteral("true or false");
    case Type::Int: return QStringLiteral("an integer");
    case Type::HostPort: return QStringLiteral("host:port");
    case Type::StoreUrl: return QStringLiteral("sqlite:///path or postgresql://user@host:port/db");
    case Type::CacheUrl: return QStringLiteral("memory: or redis://host:port/db");
    case Type::HttpUrl: return QStringLiteral("an http(s) URL");
    case Type::WsUrl: return QStringLiteral("a ws(s) URL");
    case Type::Enum: return QStringLiteral("one of the listed words");
    case Type::Dir: return QStringLiteral("a directory");
    }
    return {};
}

int editDistance(const QString &a, const QString &b)
{
    std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
    for (int j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (int i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (int j = 1; j <= b.size(); ++j) {
            const int cost = a[i - 1].toLower() == b[j - 1].toLower() ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

class Loader
{
public:
    explicit Loader(const ConfigSources &s) : m_sources(s)
    {
        m_providers = s.knownProviders.isEmpty() ? Config::builtinProviders() : s.knownProviders;
        m_known = Config::knownKeys(m_providers);
    }

    Config::LoadResult run()
    {
        applyDefaults();
        readFile();
        readEnvironment();
        readSets();
        checkRelations();
        return {m_config, m_problems};
    }

private:
    // Bounds between keys, each in range on its own: a default above the maximum would be
    // refused by the maximum on every request that relies on it.
    void checkRelations()
    {
        const qint64 max = m_config.integer(QStringLiteral("api.maxBarsPerAnswer"));
        for (const char *key : {"api.defaultBars", "api.snapshotBars"}) {
            const QString k = QString::fromLatin1(key);
            if (m_config.integer(k) > max)
                problem(m_config.origin(k), k,
                        QStringLiteral("%1 is above api.maxBarsPerAnswer (%2)").arg(m_config.integer(k)).arg(max));
        }
    }

    const KeySpec *specFor(const QString &key) const
    {
        const QStringList parts = key.split(QLatin1Char('.'));
        for (const KeySpec &spec : kSpecs) {
            const QStringList sp = QString::fromLatin1(spec.key).split(QLatin1Char('.'));
            if (sp.size() != parts.size())
                continue;
            bool match = true;
            for (int i = 0; i < sp.size() && match; ++i)
                match = sp[i] == QLatin1String("*") ? m_providers.contains(parts[i])
                                                    : sp[i] == parts[i];
            if (match)
                return &spec;
        }
        return nullptr;
    }

    // Case-insensitive key lookup (environment variables are matched that way).
    QString canonicalKey(const QString &key) const
    {
        for (const QString &k : m_known)
            if (k.compare(key, Qt::CaseInsensitive) == 0)
                return k;
        return {};
    }

    // An edit distance costs |key| x |known key|: only the first few unknown keys get a
    // suggestion, and only from keys of a length within reach, so a file full of unknown or
    // huge keys still loads in linear time (fuzz_config: 120 KB of keys took over a minute).
    QString suggestion(const QString &key)
    {
        if (++m_suggestions > 20)
            return {};
        QString best;
        int bestDistance = 4;
        for (const QString &k : m_known) {
            if (std::abs(k.size() - key.size()) >= bestDistance)
                continue; // the distance is at least the difference in length
            const int d = editDistance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best.isEmpty() ? QString() : QStringLiteral(" (did you mean '%1'?)").arg(best);
    }

    void problem(const QString &source, const QString &key, const QString &message)
    {
        m_problems << QStringLiteral("%1: %2: %3").arg(source, key, message);
    }

    void applyDefaults()
    {
        const QString store = QStringLiteral("sqlite://")
            + QFileInfo(m_sources.dataDir + QStringLiteral("/barkeep.db")).absoluteFilePath();
        for (const QString &key : m_known) {
            const KeySpec *spec = specFor(key);
            if (key == QLatin1String("store.url"))
                m_config.set(key, store, QStringLiteral("default"));
            else if (spec && spec->defaultValue)
                m_config.set(key, convert(*spec, QString::fromLatin1(spec->defaultValue)).value,
                             QStringLiteral("default"));
        }
    }

    struct Converted
    {
        QVariant value;
        QString error;
    };

    // Parses a textual value (environment, --set, or a JSON string) for its key's type.
    Converted convert(const KeySpec &spec, const QString &text) const
    {
        switch (spec.type) {
        case Type::String:
            return {text, {}};
        case Type::Bool: {
            const QString t = text.trimmed().toLower();
            if (t == QLatin1String("true") || t == QLatin1String("1") || t == QLatin1String("yes")
                || t == QLatin1String("on"))
                return {true, {}};
            if (t == QLatin1String("false") || t == QLatin1String("0") || t == QLatin1String("no")
                || t == QLatin1String("off"))
                return {false, {}};
            return {{}, QStringLiteral("'%1' is not true or false").arg(text)};
        }
        case Type::Int: {
            bool ok = false;
            const qint64 n = text.trimmed().toLongLong(&ok);
            if (!ok)
                return {{}, QStringLiteral("'%1' is not an integer").arg(text)};
            return checkRange(spec, n);
        }
        case Type::HostPort: {
            const int colon = text.lastIndexOf(QLatin1Char(':'));
            if (colon <= 0)
                return {{}, QStringLiteral("'%1' is not host:port (e.g. 127.0.0.1:8765)").arg(text)};
            QString host = text.left(colon);
            if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
                host = host.mid(1, host.size() - 2);
            bool ok = false;
            const int port = text.mid(colon + 1).toInt(&ok);
            if (!ok || port < 0 || port > 65535)
                return {{}, QStringLiteral("bad port '%1' (0-65535)").arg(text.mid(colon + 1))};
            if (QHostAddress(host).isNull() && host != QLatin1String("localhost"))
                return {{}, QStringLiteral("'%1' is not an IP address or localhost").arg(host)};
            return {text, {}};
        }
        case Type::StoreUrl: {
            const QString shown = redactedUrl(text); // messages reach stderr and logs
            const QUrl url(text, QUrl::StrictMode);
            const QString scheme = url.scheme();
            if (scheme == QLatin1String("sqlite")) {
                if (url.path().isEmpty() || !url.host().isEmpty())
                    return {{}, QStringLiteral("'%1': a SQLite URL is sqlite:///absolute/path.db").arg(shown)};
                return {text, {}};
            }
            if (scheme == QLatin1String("postgresql") || scheme == QLatin1String("postgres")) {
                if (!url.isValid() || url.host().isEmpty())
                    return {{}, QStringLiteral("'%1': a PostgreSQL URL is postgresql://user@host:port/db").arg(shown)};
                if (url.port() == 0 || url.port() > 65535)
                    return {{}, QStringLiteral("bad port in '%1'").arg(shown)};
                return {text, {}};
            }
            return {{}, QStringLiteral("'%1' is not %2").arg(shown, typeName(spec.type))};
        }
        case Type::CacheUrl: {
            if (text == QLatin1String("memory:"))
                return {text, {}};
            const QString shown = redactedUrl(text);
            const QUrl url(text, QUrl::StrictMode);
            if (url.scheme() == QLatin1String("redis") && url.isValid() && !url.host().isEmpty()) {
                if (url.port() == 0 || url.port() > 65535)
                    return {{}, QStringLiteral("bad port in '%1'").arg(shown)};
                const QString db = url.path().mid(1);
                bool ok = db.isEmpty();
                if (!ok)
                    db.toInt(&ok);
                if (!ok)
                    return {{}, QStringLiteral("'%1': the Redis database must be a number").arg(shown)};
                return {text, {}};
            }
            return {{}, QStringLiteral("'%1' is not %2").arg(shown, typeName(spec.type))};
        }
        case Type::HttpUrl:
        case Type::WsUrl: {
            if (text.isEmpty())
                return {text, {}};
            const QString shown = redactedUrl(text);
            const QUrl url(text, QUrl::StrictMode);
            const QStringList schemes = spec.type == Type::HttpUrl
                ? QStringList{QStringLiteral("http"), QStringLiteral("https")}
                : QStringList{QStringLiteral("ws"), QStringLiteral("wss")};
            if (!url.isValid() || !schemes.contains(url.scheme()) || url.host().isEmpty())
                return {{}, QStringLiteral("'%1' is not %2").arg(shown, typeName(spec.type))};
            if (url.port() == 0)
                return {{}, QStringLiteral("bad port in '%1'").arg(shown)};
            return {text, {}};
        }
        case Type::Enum: {
            const QStringList choices = QString::fromLatin1(spec.choices).split(QLatin1Char('|'));
            if (!choices.contains(text))
                return {{}, QStringLiteral("'%1' is not one of %2").arg(text, choices.join(QStringLiteral(", ")))};
            return {text, {}};
        }
        case Type::Dir: {
            if (text.isEmpty())
                return {text, {}};
            const QFileInfo fi(text);
            if (!fi.isDir() || !fi.isReadable())
                return {{}, QStringLiteral("'%1' is not a readable directory").arg(text)};
            return {text, {}};
        }
        }
        return {{}, QStringLiteral("unsupported type")};
    }

    Converted checkRange(const KeySpec &spec, qint64 n) const
    {
        if (spec.max > spec.min && (n < spec.min || n > spec.max))
            return {{}, QStringLiteral("%1 is out of range (%2-%3)").arg(n).arg(spec.min).arg(spec.max)};
        return {n, {}};
    }

    void assign(const QString &source, const QString &origin, const QString &rawKey,
                const Converted &c)
    {
        if (!c.error.isEmpty()) {
            problem(source, rawKey, c.error);
            return;
        }
        m_config.set(rawKey, c.value, origin);
    }

    void setText(const QString &source, const QString &origin, const QString &key,
                 const QString &text)
    {
        const KeySpec *spec = specFor(key);
        if (!spec) {
            problem(source, key, QStringLiteral("unknown key") + suggestion(key));
            return;
        }
        assign(source, origin, key, convert(*spec, text));
    }

    void flatten(const QJsonObject &obj, const QString &prefix, QList<QPair<QString, QJsonValue>> &out)
    {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
            if (it.value().isObject() && !specFor(key))
                flatten(it.value().toObject(), key, out);
            else
                out.append({key, it.value()});
        }
    }

    void readFile()
    {
        const QString path = m_sources.filePath;
        if (path.isEmpty())
            return;
        const QString source = QStringLiteral("config file %1").arg(path);
        QFile file(path);
        if (!file.exists()) {
            if (m_sources.fileRequired)
                m_problems << QStringLiteral("%1: does not exist").arg(source);
            return;
        }
        if (!file.open(QIODevice::ReadOnly)) {
            m_problems << QStringLiteral("%1: cannot be read (%2)").arg(source, file.errorString());
            return;
        }
        QJsonParseError err;
        const QByteArray data = file.readAll();
        const QJsonDocument doc = QJsonDocument::fromJson(data, &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject()) {
            const int line = data.left(err.offset).count('\n') + 1;
            m_problems << QStringLiteral("%1: line %2: not a JSON object (%3)")
                              .arg(source)
                              .arg(line)
                              .arg(err.error != QJsonParseError::NoError ? err.errorString()
                                                                         : QStringLiteral("top level must be {...}"));
            return;
        }
        QList<QPair<QString, QJsonValue>> entries;
        flatten(doc.object(), {}, entries);
        for (const auto &[key, value] : entries) {
            const KeySpec *spec = specFor(key);
            if (!spec) {
                problem(source, key, QStringLiteral("unknown key") + suggestion(key));
                continue;
            }
            // The file has JSON types: a number where a string belongs is a mistake worth
            // reporting, not something to coerce silently.
            switch (spec->type) {
            case Type::Bool:
                if (!value.isBool()) {
                    problem(source, key, QStringLiteral("wrong type: expected true or false"));
                    continue;
                }
                m_config.set(key, value.toBool(), QStringLiteral("file"));
                break;
            case Type::Int:
                // Range first: converting a double beyond qint64 (1e300) is undefined.
                if (!value.isDouble() || !(std::fabs(value.toDouble()) < 9.2e18)
                    || value.toDouble() != double(qint64(value.toDouble()))) {
                    problem(source, key, QStringLiteral("wrong type: expected an integer"));
                    continue;
                }
                assign(source, QStringLiteral("file"), key, checkRange(*spec, qint64(value.toDouble())));
                break;
            default:
                if (!value.isString()) {
                    problem(source, key, QStringLiteral("wrong type: expected %1 as a string").arg(typeName(spec->type)));
                    continue;
                }
                assign(source, QStringLiteral("file"), key, convert(*spec, value.toString()));
            }
        }
    }

    void readEnvironment()
    {
        const QString prefix = QStringLiteral("BARKEEP_");
        QStringList names = m_sources.environment.keys();
        names.sort();
        for (const QString &name : names) {
            if (!name.startsWith(prefix))
                continue;
            if (std::any_of(std::begin(kNonKeyEnv), std::end(kNonKeyEnv),
                            [&](const char *n) { return name == QLatin1String(n); }))
                continue;
            const QString dotted = name.mid(prefix.size()).replace(QLatin1Char('_'), QLatin1Char('.'));
            const QString key = canonicalKey(dotted);
            const QString source = QStringLiteral("environment %1").arg(name);
            if (key.isEmpty()) {
                m_problems << QStringLiteral("%1: unknown key '%2'%3")
                                  .arg(source, dotted.toLower(), suggestion(dotted));
                continue;
            }
            setText(source, QStringLiteral("env"), key, m_sources.environment.value(name));
        }
    }

    void readSets()
    {
        for (const QString &set : m_sources.sets) {
            const int eq = set.indexOf(QLatin1Char('='));
            if (eq <= 0) {
                m_problems << QStringLiteral("--set %1: expected key=value").arg(set);
                continue;
            }
            QString key = set.left(eq).trimmed();
            const QString canonical = canonicalKey(key);
            if (!canonical.isEmpty())
                key = canonical;
            setText(QStringLiteral("--set"), QStringLiteral("--set"), key, set.mid(eq + 1));
        }
    }

    const ConfigSources &m_sources;
    QStringList m_providers;
    QStringList m_known;
    Config m_config;
    QStringList m_problems;
    int m_suggestions = 0;
};

} // namespace

QStringList Config::builtinProviders()
{
    return {QStringLiteral("demo"),  QStringLiteral("binance"), QStringLiteral("coinbase"),
            QStringLiteral("kraken"), QStringLiteral("bybit"),   QStringLiteral("okx"),
            QStringLiteral("binanceusdm"), QStringLiteral("alpaca"), QStringLiteral("csv")};
}

QStringList Config::knownKeys(const QStringList &providers)
{
    const QStringList ids = providers.isEmpty() ? builtinProviders() : providers;
    QStringList keys;
    for (const KeySpec &spec : kSpecs) {
        const QString key = QString::fromLatin1(spec.key);
        if (key.contains(QLatin1Char('*'))) {
            for (const QString &id : ids)
                keys << QString(key).replace(QLatin1Char('*'), id);
        } else {
            keys << key;
        }
    }
    return keys;
}

Config::LoadResult Config::load(const ConfigSources &sources)
{
    Loader loader(sources);
    return loader.run();
}

Config Config::defaults(const QString &dataDir)
{
    ConfigSources s;
    s.dataDir = dataDir;
    return load(s).config;
}

QStringList Config::keys() const
{
    QStringList k = m_values.keys();
    k.sort();
    return k;
}

QVariant Config::valueOrDefault(const char *key) const
{
    const QString k = QString::fromLatin1(key);
    if (const auto it = m_values.constFind(k); it != m_values.cend())
        return *it;
    for (const KeySpec &spec : kSpecs)
        if (qstrcmp(spec.key, key) == 0)
            return spec.defaultValue ? QVariant(QString::fromLatin1(spec.defaultValue)) : QVariant();
    qCCritical(lcConfig, "no config key %s", key); // an accessor for a key the table lacks
    Q_ASSERT_X(false, "Config", key);
    return {};
}

qint64 Config::intValue(const char *key) const
{
    return valueOrDefault(key).toLongLong();
}

bool Config::boolValue(const char *key) const
{
    const QVariant v = valueOrDefault(key);
    return v.typeId() == QMetaType::QString ? v.toString() == QLatin1String("true") : v.toBool();
}

QString Config::stringValue(const char *key) const
{
    return valueOrDefault(key).toString();
}

QString Config::apiHost() const
{
    const QString listen = apiListen();
    QString host = listen.left(listen.lastIndexOf(QLatin1Char(':')));
    if (host.startsWith(QLatin1Char('[')))
        host = host.mid(1, host.size() - 2);
    return host;
}

quint16 Config::apiPort() const
{
    const QString listen = apiListen();
    return quint16(listen.mid(listen.lastIndexOf(QLatin1Char(':')) + 1).toUInt());
}

bool Config::providerEnabled(const QString &provider) const
{
    const QString key = QStringLiteral("providers.") + provider + QStringLiteral(".enabled");
    return !m_values.contains(key) || m_values.value(key).toBool();
}

} // namespace barkeep
