// SPDX-License-Identifier: GPL-3.0-or-later
#include "backfillrequest.h"

#include "apiparams.h"
#include "model/timeframe.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>

namespace barkeep {

namespace {
Error badInput(const QString &message) { return Error(Error::Kind::BadInput, message); }

Result<qint64> jsonTime(const QJsonObject &o, const QString &name)
{
    const QJsonValue v = o.value(name);
    if (v.isString())
        return checkedInteger(name, v.toString(), 0, kApiMaxTime);
    if (!v.isDouble())
        return badInput(QStringLiteral("'%1' must be a number (epoch milliseconds)").arg(name));
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > double(kApiMaxTime))
        return badInput(QStringLiteral("'%1' must be an integer between 0 and %2").arg(name).arg(kApiMaxTime));
    return qint64(d);
}
} // namespace

Result<BackfillRequest> parseBackfillRequest(
    const QByteArray &body, qint64 nowMs, int maxRangeDays,
    const std::function<VoidResult(const QString &market, const QString &provider)> &checkMarketProvider)
{
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return badInput(QStringLiteral("the body must be a JSON object {\"market\",\"provider\",\"symbol\","
                                       "\"since\",\"until\"}%1")
                            .arg(perr.error != QJsonParseError::NoError
                                     ? QStringLiteral(": ") + perr.errorString()
                                     : QString()));
    const QJsonObject o = doc.object();
    SeriesKey key;
    key.market = o.value(QStringLiteral("market")).toString();
    key.provider = o.value(QStringLiteral("provider")).toString();
    key.symbol = o.value(QStringLiteral("symbol")).toString();
    if (key.market.isEmpty() || key.provider.isEmpty())
        return badInput(QStringLiteral("'market' and 'provider' are required strings"));
    if (VoidResult ok = checkMarketProvider(key.market, key.provider); !ok)
        return ok.error();
    if (VoidResult ok = checkSymbolText(key.symbol); !ok)
        return ok.error();
    // The candles the job fetches: 1m unless the body names another timeframe (the
    // provider's own daily candles for a daily chart).
    if (o.contains(QStringLiteral("timeframe"))) {
        const QJsonValue tfValue = o.value(QStringLiteral("timeframe"));
        if (!tfValue.isString())
            return badInput(QStringLiteral("'timeframe' must be a string like \"1m\", \"1h\" or \"1d\""));
        Result<Timeframe> tf = Timeframe::parse(tfValue.toString());
        if (!tf)
            return badInput(tf.error().message());
        key.timeframe = tf->name();
    }
    Result<qint64> since = jsonTime(o, QStringLiteral("since"));
    if (!since)
        return since.error();
    Result<qint64> until = o.contains(QStringLiteral("until"))
        ? jsonTime(o, QStringLiteral("until"))
        : Result<qint64>(nowMs / kMinuteMs * kMinuteMs);
    if (!until)
        return until.error();
    if (*since >= *until)
        return badInput(QStringLiteral("'since' (%1) must be before 'until' (%2)").arg(*since).arg(*until));
    if (*until - *since > qint64(maxRangeDays) * kDayMs)
        return badInput(QStringLiteral("the range spans %1 days, more than %2: "
                                       "split it into several backfills")
                            .arg((*until - *since) / kDayMs)
                            .arg(maxRangeDays));
    return BackfillRequest{key, TimeRange{*since, *until}};
}

} // namespace barkeep
