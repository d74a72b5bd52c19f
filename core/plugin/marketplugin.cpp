// SPDX-License-Identifier: GPL-3.0-or-later
#include "marketplugin.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QTimeZone>

namespace barkeep {

MarketPlugin::~MarketPlugin() = default;
MarketPluginFactory::~MarketPluginFactory() = default;

QByteArray ProviderSettings::credentialHash() const
{
    if (apiKey.isEmpty() && apiSecret.isEmpty())
        return QByteArrayLiteral("public");
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(apiKey.toUtf8());
    h.addData(QByteArrayView("\0", 1));
    h.addData(apiSecret.toUtf8());
    return h.result().toHex().left(16);
}

Result<PluginMetadata> PluginMetadata::fromJson(const QJsonObject &o)
{
    PluginMetadata m;
    m.id = o.value(QStringLiteral("id")).toString();
    m.name = o.value(QStringLiteral("name")).toString();
    m.apiVersion = o.value(QStringLiteral("apiVersion")).toInt();
    for (const QJsonValue v : o.value(QStringLiteral("markets")).toArray())
        m.markets << v.toString();
    if (m.id.isEmpty())
        return Error(Error::Kind::BadInput, QStringLiteral("plugin metadata has no id"));
    for (const QJsonValue pv : o.value(QStringLiteral("providers")).toArray()) {
        const QJsonObject p = pv.toObject();
        ProviderInfo info;
        info.id = p.value(QStringLiteral("id")).toString();
        info.name = p.value(QStringLiteral("name")).toString(info.id);
        info.requiresCredentials = p.value(QStringLiteral("requiresCredentials")).toBool();
        info.testnet = p.value(QStringLiteral("testnet")).toBool();
        for (const QJsonValue tf : p.value(QStringLiteral("timeframes")).toArray())
            info.timeframes << tf.toString();
        info.maxBarsPerRequest = p.value(QStringLiteral("maxBarsPerRequest")).toInt(1000);
        info.earliestMs = qint64(p.value(QStringLiteral("earliestMs")).toDouble());
        info.reachesFullHistory = p.value(QStringLiteral("reachesFullHistory")).toBool(true);
        info.historyNote = p.value(QStringLiteral("historyNote")).toString();
        const QJsonValue zone = p.value(QStringLiteral("timeZone"));
        if (!zone.isUndefined()) {
            info.timeZone = zone.toString();
            if (!QTimeZone::isTimeZoneIdAvailable(info.timeZone.toUtf8()))
                return Error(Error::Kind::BadInput,
                             QStringLiteral("plugin %1: provider %2 has an unknown timeZone "
                                            "\"%3\" (want an IANA id such as America/New_York)")
                                 .arg(m.id, info.id, zone.toVariant().toString()));
        }
        info.streaming = p.value(QStringLiteral("streaming")).toBool();
        info.archive = p.value(QStringLiteral("archive")).toBool();
        const QJsonObject limits = p.value(QStringLiteral("rateLimits")).toObject();
        info.weightPerMinute = limits.value(QStringLiteral("weightPerMinute")).toInt();
        info.klinesWeight = limits.value(QStringLiteral("klinesWeight")).toInt(1);
        info.requestsPerSecond = limits.value(QStringLiteral("requestsPerSecond")).toDouble();
        info.maxConcurrency = limits.value(QStringLiteral("maxConcurrency")).toInt(4);
        if (info.id.isEmpty())
            return Error(Error::Kind::BadInput,
                         QStringLiteral("plugin %1: a provider has no id").arg(m.id));
        // A provider listed for several markets appears once per market.
        QStringList markets;
        for (const QJsonValue mv : p.value(QStringLiteral("markets")).toArray())
            markets << mv.toString();
        if (markets.isEmpty())
            markets = m.markets;
        for (const QString &market : markets) {
            info.market = market;
            m.providers.append(info);
        }
    }
    return m;
}

} // namespace barkeep
