// SPDX-License-Identifier: GPL-3.0-or-later
#include "coinbasefake.h"

#include <QDateTime>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>

namespace barkeep::fakes {

namespace {
QByteArray message(const QString &text)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("message"), text}})
        .toJson(QJsonDocument::Compact);
}

// ISO-8601 (what ccxt sends) or UNIX seconds; -1 when unreadable.
qint64 parseTime(const QString &text)
{
    bool ok = false;
    const double seconds = text.toDouble(&ok);
    if (ok)
        return qint64(seconds * 1000);
    QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(text, Qt::ISODate);
    return dt.isValid() ? dt.toMSecsSinceEpoch() : -1;
}
} // namespace

CoinbaseFake::CoinbaseFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    m_faults.requestsPerSecond = 10;
    m_faults.burst = 15;
    m_faults.weightPerMinute = 0;
    m_truth.setListing(QStringLiteral("BTC-USD"), 1420070400000);
    m_truth.setListing(QStringLiteral("ETH-USD"), 1463875200000);
    m_truth.setListing(QStringLiteral("ETH-BTC"), 1463875200000);
    m_truth.setListing(QStringLiteral("SOL-USD"), 1624406400000);
}

QStringList CoinbaseFake::products()
{
    return {QStringLiteral("BTC-USD"), QStringLiteral("ETH-USD"), QStringLiteral("ETH-BTC"),
            QStringLiteral("SOL-USD")};
}

FakeServer::Reply CoinbaseFake::serverError() const
{
    return json(500, message(QStringLiteral("Internal server error")));
}

FakeServer::Reply CoinbaseFake::answer(const QHttpServerRequest &request)
{
    if (!m_bucket.take(m_faults.requestsPerSecond, m_faults.burst, now())) {
        ++m_throttled;
        return json(429, message(QStringLiteral("Public rate limit exceeded")));
    }
    const QStringList parts = request.url().path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (parts == QStringList{QStringLiteral("products")})
        return productList();
    if (parts.size() == 3 && parts[0] == QLatin1String("products")
        && parts[2] == QLatin1String("candles"))
        return candles(parts[1], request);
    return json(404, message(QStringLiteral("route not found")));
}

FakeServer::Reply CoinbaseFake::productList() const
{
    QJsonArray list;
    for (const QString &id : products()) {
        const QStringList bq = id.split(QLatin1Char('-'));
        const int d = m_truth.decimals(id);
        list.append(QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("base_currency"), bq[0]},
            {QStringLiteral("quote_currency"), bq[1]},
            {QStringLiteral("quote_increment"), QString::number(std::pow(10.0, -d), 'f', d)},
            {QStringLiteral("base_increment"), QStringLiteral("0.00000001")},
            {QStringLiteral("display_name"), QString(bq[0] + QLatin1Char('/') + bq[1])},
            {QStringLiteral("min_market_funds"), QStringLiteral("1")},
            {QStringLiteral("margin_enabled"), false},
            {QStringLiteral("post_only"), false},
            {QStringLiteral("limit_only"), false},
            {QStringLiteral("cancel_only"), false},
            {QStringLiteral("status"), QStringLiteral("online")},
            {QStringLiteral("status_message"), QString()},
            {QStringLiteral("trading_disabled"), false},
            {QStringLiteral("fx_stablecoin"), false},
            {QStringLiteral("auction_mode"), false},
        });
    }
    return json(200, QJsonDocument(list).toJson(QJsonDocument::Compact));
}

FakeServer::Reply CoinbaseFake::candles(const QString &product, const QHttpServerRequest &request)
{
    if (!products().contains(product))
        return json(404, message(QStringLiteral("NotFound")));
    const QUrlQuery q(request.url());
    const int g = q.queryItemValue(QStringLiteral("granularity")).toInt();
    static const QList<int> allowed{60, 300, 900, 3600, 21600, 86400};
    if (!allowed.contains(g))
        return json(400, message(QStringLiteral("Unsupported granularity")));
    qint64 step = qint64(g) * 1000;
    Timeframe tf = Timeframe::minutes(g / 60);
    const qint64 t0 = now();
    qint64 start = -1, end = -1;
    if (q.hasQueryItem(QStringLiteral("start")) && q.hasQueryItem(QStringLiteral("end"))) {
        start = parseTime(q.queryItemValue(QStringLiteral("start"), QUrl::FullyDecoded));
        end = parseTime(q.queryItemValue(QStringLiteral("end"), QUrl::FullyDecoded));
        if (start < 0 || end < 0)
            return json(400, message(QStringLiteral("Invalid start/end")));
        if (end < start)
            return json(400, message(QStringLiteral("start must be before end")));
    } else {
        // Either one missing: both ignored, the 300 buckets ending now.
        end = t0;
        start = tf.bucketStart(t0) - 299 * step;
    }
    if ((end - tf.bucketStart(start)) / step + 1 > 300)
        return json(400, message(QStringLiteral("granularity too small for the requested time "
                                                "range. Count of aggregations requested "
                                                "exceeds 300")));
    // A proxy answering another interval (checked above as asked): that interval's rows.
    if (const Result<Timeframe> other = Timeframe::parse(m_faults.mislabeledTimeframe);
        other && !other->isMonthly()) {
        tf = *other;
        step = tf.durationMs();
    }
    const int d = m_truth.decimals(product);
    QJsonArray rows;
    // Newest first; the bucket holding `start` even if it begins earlier; the forming one too.
    for (qint64 t = tf.bucketStart(std::min(end, t0)); t >= tf.bucketStart(start); t -= step) {
        const std::optional<Bar> b = m_truth.nativeBucket(product, tf, t, t0);
        if (!b)
            continue;
        rows.append(QJsonArray{double(t / 1000), GroundTruth::round(b->l, d),
                               GroundTruth::round(b->h, d), GroundTruth::round(b->o, d),
                               GroundTruth::round(b->c, d), b->v});
    }
    return json(200, QJsonDocument(rows).toJson(QJsonDocument::Compact));
}

} // namespace barkeep::fakes
