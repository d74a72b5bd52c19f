// SPDX-License-Identifier: GPL-3.0-or-later
#include "demoplugin.h"

#include "model/timeframe.h"

#include <QDateTime>

namespace barkeep::demo {

DemoPlugin::DemoPlugin(const ProviderSettings &settings) : m_settings(settings) {}

Result<QList<SymbolInfo>> DemoPlugin::symbols()
{
    QList<SymbolInfo> out;
    for (const QString &s : DemoGenerator::symbols()) {
        const QStringList parts = s.split(QLatin1Char('/'));
        out.append({s, parts.value(0), parts.value(1), parts.join(QString())});
    }
    return out;
}

Result<BarBatch> DemoPlugin::fetchBars(const BarRequest &request)
{
    if (request.timeframe != QLatin1String("1m"))
        return Error(Error::Kind::Unsupported,
                     QStringLiteral("the demo provider serves 1m bars only, not '%1'").arg(request.timeframe));
    if (!DemoGenerator::symbols().contains(request.symbol))
        return Error(Error::Kind::NotFound,
                     QStringLiteral("the demo provider has no symbol '%1'").arg(request.symbol));
    if (request.until <= request.since)
        return Error(Error::Kind::BadInput, QStringLiteral("empty range"));
    // Like a real exchange: the still-forming minute is not part of the answer.
    const qint64 lastClosed = QDateTime::currentMSecsSinceEpoch() / kMinuteMs * kMinuteMs;
    BarBatch batch;
    batch.covered = {request.since, std::min(request.until, lastClosed)};
    if (batch.covered.isEmpty())
        return batch;
    batch.bars = m_generator.bars(request.symbol, batch.covered);
    batch.requests = 1;
    return batch;
}

std::unique_ptr<MarketPlugin> DemoPluginFactory::create(const ProviderSettings &settings,
                                                        std::shared_ptr<ProviderContext>)
{
    return std::make_unique<DemoPlugin>(settings);
}

} // namespace barkeep::demo
