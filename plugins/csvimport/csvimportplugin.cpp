// SPDX-License-Identifier: GPL-3.0-or-later
#include "csvimportplugin.h"

#include "model/timeframe.h"

#include <QFile>
#include <QUrl>

namespace barkeep {

CsvImportPlugin::CsvImportPlugin(ProviderSettings settings) : m_settings(std::move(settings)) {}

Result<BarBatch> CsvImportPlugin::fetchBars(const BarRequest &request)
{
    if (!request.symbol.startsWith(QLatin1String("file:")))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("the csv provider reads files: use the symbol "
                                    "file:/path/to/bars.csv or `barkeep import FILE`"));
    if (request.until <= request.since)
        return Error(Error::Kind::BadInput, QStringLiteral("empty range: until <= since"));
    Result<Timeframe> tf = Timeframe::parse(request.timeframe);
    if (!tf)
        return tf.error();
    const QUrl url(request.symbol);
    const QString path = url.isLocalFile() ? url.toLocalFile() : request.symbol.mid(5);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(Error::Kind::NotFound,
                     QStringLiteral("cannot open %1: %2").arg(path, file.errorString()));
    Result<CsvBarParser::Parsed> parsed = CsvBarParser::parse(file);
    if (!parsed)
        return parsed.error();
    if (!parsed->badRows.isEmpty()) {
        QStringList lines;
        for (const CsvBarParser::BadRow &row : parsed->badRows.mid(0, 10))
            lines << QStringLiteral("line %1: %2").arg(row.line).arg(row.reason);
        return Error(Error::Kind::BadResponse,
                     QStringLiteral("%1 has %2 bad rows").arg(path).arg(parsed->badRows.size()),
                     lines.join(u'\n'));
    }
    BarBatch batch;
    for (const Bar &b : parsed->bars)
        if (b.t >= request.since && b.t < request.until)
            batch.bars.push_back(b);
    const TimeRange inFile = CsvBarParser::coveredRange(parsed->bars, tf->durationMs());
    batch.covered = TimeRange{std::max(inFile.from, request.since), std::min(inFile.to, request.until)};
    if (batch.covered.isEmpty())
        batch.covered = TimeRange{request.since, request.since};
    return batch;
}

} // namespace barkeep
