// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace barkeep::test {

// The recorded exchange answers of tests/fixtures/ccxt-ohlcv (ccxt's static test fixtures):
// <exchange>.ohlcv.json with cases {description, input, request_match, httpResponse,
// parsedResponse}. The folder comes from CMake (BARKEEP_CCXT_FIXTURES_DIR); nullopt when the
// file is not there (a checkout without shared/).
inline std::optional<QJsonArray> recordedCases(const QString &exchange)
{
    QFile f(QStringLiteral(BARKEEP_CCXT_FIXTURES_DIR "/") + exchange + QStringLiteral(".ohlcv.json"));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    return QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("cases")).toArray();
}

// The raw body the exchange sent, byte for byte as JSON (compact).
inline QByteArray recordedBody(const QJsonObject &c)
{
    const QJsonValue v = c.value(QStringLiteral("httpResponse"));
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

// ccxt's parsed candles [t, o, h, l, c, v] as bars.
inline Bars recordedBars(const QJsonObject &c)
{
    Bars out;
    for (const QJsonValue &v : c.value(QStringLiteral("parsedResponse")).toArray()) {
        const QJsonArray r = v.toArray();
        out.push_back(Bar{qint64(r[0].toDouble()), r[1].toDouble(), r[2].toDouble(), r[3].toDouble(),
                          r[4].toDouble(), r[5].toDouble()});
    }
    return out;
}

} // namespace barkeep::test
