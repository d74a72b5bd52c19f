// SPDX-License-Identifier: GPL-3.0-or-later
#include "krakenfake.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>

namespace barkeep::fakes {

namespace {
struct PairDef
{
    const char *key, *altname, *wsname, *base, *quote;
};
const PairDef kPairs[] = {
    {"XXBTZUSD", "XBTUSD", "XBT/USD", "XXBT", "ZUSD"},
    {"XETHZUSD", "ETHUSD", "ETH/USD", "XETH", "ZUSD"},
    {"SOLUSD", "SOLUSD", "SOL/USD", "SOL", "ZUSD"},
    {"XXBTZEUR", "XBTEUR", "XBT/EUR", "XXBT", "ZEUR"},
};

QByteArray errors(const char *text)
{
    return QByteArray("{\"error\":[\"") + text + "\"]}";
}
} // namespace

KrakenFake::KrakenFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    m_faults.weightPerMinute = 0;
    m_faults.requestsPerSecond = 1;
    m_faults.burst = 5;
}

QStringList KrakenFake::pairs()
{
    QStringList out;
    for (const PairDef &p : kPairs)
        out << QString::fromLatin1(p.key);
    return out;
}

QString KrakenFake::pairKey(const QString &name) const
{
    for (const PairDef &p : kPairs)
        if (name == QLatin1String(p.key) || name == QLatin1String(p.altname)
            || name == QLatin1String(p.wsname))
            return QString::fromLatin1(p.key);
    return {};
}

FakeServer::Reply KrakenFake::serverError() const
{
    return json(503, errors("EService:Unavailable"));
}

FakeServer::Reply KrakenFake::answer(const QHttpServerRequest &request)
{
    const QString path = request.url().path();
    if (path == QLatin1String("/0/public/OHLC"))
        return ohlc(request);
    if (path == QLatin1String("/0/public/AssetPairs"))
        return assetPairs(request);
    if (path == QLatin1String("/0/public/Time"))
        return json(200, "{\"error\":[],\"result\":{\"unixtime\":"
                             + QByteArray::number(now() / 1000) + "}}");
    return json(404, errors("EGeneral:Unknown method"));
}

FakeServer::Reply KrakenFake::assetPairs(const QHttpServerRequest &request) const
{
    const QString wanted = QUrlQuery(request.url()).queryItemValue(QStringLiteral("pair"));
    QStringList keys;
    for (const QString &name : wanted.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString key = pairKey(name);
        if (key.isEmpty())
            return json(200, errors("EQuery:Unknown asset pair"));
        keys << key;
    }
    QJsonObject result;
    for (const PairDef &p : kPairs) {
        const QString key = QString::fromLatin1(p.key);
        if (!keys.isEmpty() && !keys.contains(key))
            continue;
        const int d = m_truth.decimals(key);
        result.insert(
            key, QJsonObject{
                     {QStringLiteral("altname"), QString::fromLatin1(p.altname)},
                     {QStringLiteral("wsname"), QString::fromLatin1(p.wsname)},
                     {QStringLiteral("aclass_base"), QStringLiteral("currency")},
                     {QStringLiteral("base"), QString::fromLatin1(p.base)},
                     {QStringLiteral("aclass_quote"), QStringLiteral("currency")},
                     {QStringLiteral("quote"), QString::fromLatin1(p.quote)},
                     {QStringLiteral("lot"), QStringLiteral("unit")},
                     {QStringLiteral("cost_decimals"), 5},
                     {QStringLiteral("pair_decimals"), d},
                     {QStringLiteral("lot_decimals"), 8},
                     {QStringLiteral("lot_multiplier"), 1},
                     {QStringLiteral("leverage_buy"), QJsonArray{}},
                     {QStringLiteral("leverage_sell"), QJsonArray{}},
                     {QStringLiteral("fees"), QJsonArray{QJsonArray{0, 0.4}}},
                     {QStringLiteral("fees_maker"), QJsonArray{QJsonArray{0, 0.25}}},
                     {QStringLiteral("fee_volume_currency"), QStringLiteral("ZUSD")},
                     {QStringLiteral("margin_call"), 80},
                     {QStringLiteral("margin_stop"), 40},
                     {QStringLiteral("ordermin"), QStringLiteral("0.0001")},
                     {QStringLiteral("costmin"), QStringLiteral("0.5")},
                     {QStringLiteral("tick_size"), QString::number(std::pow(10.0, -d), 'f', d)},
                     {QStringLiteral("status"), QStringLiteral("online")},
                 });
    }
    return json(200, QJsonDocument(QJsonObject{{QStringLiteral("error"), QJsonArray{}},
                                               {QStringLiteral("result"), result}})
                         .toJson(QJsonDocument::Compact));
}

FakeServer::Reply KrakenFake::ohlc(const QHttpServerRequest &request)
{
    const QUrlQuery q(request.url());
    const QString key = pairKey(q.queryItemValue(QStringLiteral("pair")));
    if (q.queryItemValue(QStringLiteral("pair")).isEmpty())
        return json(200, errors("EGeneral:Invalid arguments"));
    if (key.isEmpty())
        return json(200, errors("EQuery:Unknown asset pair"));
    // The public throttle is per IP and pair, and answers with HTTP 200.
    if (!m_buckets[key].take(m_faults.requestsPerSecond, m_faults.burst, now())) {
        ++m_throttled;
        return json(200, errors("EGeneral:Too many requests"));
    }
    int minutes = 1;
    if (q.hasQueryItem(QStringLiteral("interval"))) {
        bool ok = false;
        minutes = q.queryItemValue(QStringLiteral("interval")).toInt(&ok);
        static const QList<int> allowed{1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
        if (!ok || !allowed.contains(minutes))
            return json(200, errors("EGeneral:Invalid arguments"));
    }
    const qint64 sinceMs = q.queryItemValue(QStringLiteral("since")).toLongLong() * 1000;
    // A proxy answering another interval: that interval's rows, 720 of them.
    if (const Result<Timeframe> other = Timeframe::parse(m_faults.mislabeledTimeframe);
        other && !other->isMonthly())
        minutes = other->minuteCount();
    const Timeframe tf = Timeframe::minutes(minutes);
    const qint64 t0 = now();
    const qint64 forming = tf.bucketStart(t0);
    const qint64 step = tf.durationMs();
    const int d = m_truth.decimals(key);
    QByteArray rows = "[";
    qint64 last = 0;
    bool firstRow = true;
    for (qint64 t = forming - (kMaxRows - 1) * step; t <= forming; t += step) {
        if (q.hasQueryItem(QStringLiteral("since")) && t <= sinceMs)
            continue; // `since` is exclusive
        const std::optional<Bar> b = m_truth.nativeBucket(key, tf, t, t0);
        Bar bar;
        int count = 0;
        double vwap = 0;
        if (b) {
            bar = *b;
            count = 1 + int(b->v * 37);
            vwap = GroundTruth::round((b->o + b->h + b->l + b->c) / 4, d);
        } else {
            // No trades: Kraken still lists the interval, flat at the last price, count 0.
            const double p = m_truth.priceAt(key, t);
            bar = Bar{t, p, p, p, p, 0};
            vwap = p;
        }
        if (!firstRow)
            rows += ',';
        firstRow = false;
        auto s = [&](double v, int decimals) -> QByteArray {
            return '"' + QByteArray::number(v, 'f', decimals) + '"';
        };
        rows += '[' + QByteArray::number(t / 1000) + ',' + s(bar.o, d) + ',' + s(bar.h, d) + ','
                + s(bar.l, d) + ',' + s(bar.c, d) + ',' + s(vwap, d) + ',' + s(bar.v, 8) + ','
                + QByteArray::number(count) + ']';
        if (t < forming)
            last = t / 1000;
    }
    rows += ']';
    return json(200, "{\"error\":[],\"result\":{\"" + key.toLatin1() + "\":" + rows
                         + ",\"last\":" + QByteArray::number(last) + "}}");
}

} // namespace barkeep::fakes
