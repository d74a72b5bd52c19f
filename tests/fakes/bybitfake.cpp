// SPDX-License-Identifier: GPL-3.0-or-later
#include "bybitfake.h"

#include "nativecandle.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>

namespace barkeep::fakes {

namespace {
constexpr int kMaxLimit = 1000;
constexpr int kDefaultLimit = 200;

struct Instrument
{
    const char *symbol;
    const char *base;
    const char *quote;
    const char *contractType; // linear only
    qint64 listing;
};
const Instrument kSpot[] = {
    {"BTCUSDT", "BTC", "USDT", "", 1625097600000},
    {"ETHUSDT", "ETH", "USDT", "", 1625097600000},
    {"SOLUSDT", "SOL", "USDT", "", 1633046400000},
};
const Instrument kLinear[] = {
    {"BTCUSDT", "BTC", "USDT", "LinearPerpetual", 1585180800000},
    {"ETHUSDT", "ETH", "USDT", "LinearPerpetual", 1585180800000},
    {"SOLUSDT", "SOL", "USDT", "LinearPerpetual", 1633046400000},
    {"BTCPERP", "BTC", "USDC", "LinearPerpetual", 1653004800000},
    {"BTC-27DEC24", "BTC", "USDT", "LinearFutures", 1703203200000},
};

// Bybit's numbers as text: no trailing zeros ("43488", "1575.305").
QString plain(double v, int decimals)
{
    QString s = QString::number(v, 'f', decimals);
    if (s.contains(QLatin1Char('.'))) {
        while (s.endsWith(QLatin1Char('0')))
            s.chop(1);
        if (s.endsWith(QLatin1Char('.')))
            s.chop(1);
    }
    return s;
}

std::optional<Timeframe> timeframeOf(const QString &interval)
{
    if (interval == QLatin1String("D"))
        return Timeframe::minutes(1440);
    if (interval == QLatin1String("W"))
        return Timeframe::minutes(10080);
    if (interval == QLatin1String("M"))
        return Timeframe::months(1);
    static const QList<int> minutes{1, 3, 5, 15, 30, 60, 120, 240, 360, 720};
    bool ok = false;
    const int n = interval.toInt(&ok);
    if (!ok || !minutes.contains(n))
        return std::nullopt;
    return Timeframe::minutes(n);
}

const Instrument *find(const QString &category, const QString &symbol)
{
    if (category == QLatin1String("spot")) {
        for (const Instrument &i : kSpot)
            if (symbol == QLatin1String(i.symbol))
                return &i;
    } else if (category == QLatin1String("linear")) {
        for (const Instrument &i : kLinear)
            if (symbol == QLatin1String(i.symbol))
                return &i;
    }
    return nullptr;
}
} // namespace

BybitFake::BybitFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    m_faults.weightPerMinute = 0;
    for (const Instrument &i : kSpot)
        m_truth.setListing(truthKey(QStringLiteral("spot"), QString::fromLatin1(i.symbol)), i.listing);
    for (const Instrument &i : kLinear)
        m_truth.setListing(truthKey(QStringLiteral("linear"), QString::fromLatin1(i.symbol)), i.listing);
}

QStringList BybitFake::spotSymbols()
{
    QStringList out;
    for (const Instrument &i : kSpot)
        out << QString::fromLatin1(i.symbol);
    return out;
}

QStringList BybitFake::linearSymbols()
{
    QStringList out;
    for (const Instrument &i : kLinear)
        out << QString::fromLatin1(i.symbol);
    return out;
}

QString BybitFake::truthKey(const QString &category, const QString &symbol)
{
    // A suffix, not a prefix: the ground truth prices a symbol by how its name starts.
    return category == QLatin1String("linear") ? symbol + QStringLiteral(".P") : symbol;
}

FakeServer::Reply BybitFake::envelope(qint64 code, const QString &msg, const QJsonObject &result) const
{
    // Field order as Bybit sends it: retCode, retMsg, result, retExtInfo, time.
    const QByteArray codeText = stringEnvelope ? '"' + QByteArray::number(code) + '"' : QByteArray::number(code);
    const QByteArray time = stringEnvelope ? '"' + QByteArray::number(now()) + '"' : QByteArray::number(now());
    QByteArray body = "{\"retCode\":" + codeText + ",\"retMsg\":"
                      + QJsonDocument(QJsonArray{msg}).toJson(QJsonDocument::Compact).mid(1).chopped(1)
                      + ",\"result\":" + QJsonDocument(result).toJson(QJsonDocument::Compact)
                      + ",\"retExtInfo\":{},\"time\":" + time + '}';
    return json(200, body);
}

FakeServer::Reply BybitFake::serverError() const
{
    if (htmlServerError) {
        Reply r;
        r.status = 502;
        r.contentType = "text/html";
        r.body = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                 "Gateway</h1></center></body></html>";
        return r;
    }
    return envelope(10016, QStringLiteral("Internal system error."), {});
}

FakeServer::Reply BybitFake::answer(const QHttpServerRequest &request)
{
    const qint64 t = now();
    // The IP limit: 600 requests per 5-second window, then HTTP 403 and a ban.
    if (t < m_bannedUntil) {
        ++m_403s;
        Reply r;
        r.status = 403;
        r.contentType = "text/plain";
        r.body = "access too frequent";
        return r;
    }
    if (t / 5000 != m_ipWindow) {
        m_ipWindow = t / 5000;
        m_ipCount = 0;
    }
    if (ipLimit > 0 && ++m_ipCount > ipLimit) {
        m_bannedUntil = t + qint64(banSeconds) * 1000;
        ++m_403s;
        Reply r;
        r.status = 403;
        r.contentType = "text/plain";
        r.body = "access too frequent";
        return r;
    }
    // The per-second limit, in retCode 10006 and the X-Bapi-Limit headers.
    QList<QPair<QByteArray, QByteArray>> headers;
    if (perSecondLimit > 0) {
        if (t / 1000 != m_secondWindow) {
            m_secondWindow = t / 1000;
            m_secondCount = 0;
        }
        ++m_secondCount;
        const qint64 reset = (m_secondWindow + 1) * 1000;
        headers.append({"X-Bapi-Limit", QByteArray::number(perSecondLimit)});
        headers.append({"X-Bapi-Limit-Status", QByteArray::number(std::max(0, perSecondLimit - m_secondCount))});
        headers.append({"X-Bapi-Limit-Reset-Timestamp",
                        QByteArray::number(m_secondCount > perSecondLimit ? reset : t)});
        if (m_secondCount > perSecondLimit) {
            ++m_10006s;
            Reply r = envelope(10006, QStringLiteral("Too many visits!"), {});
            r.headers = headers;
            return r;
        }
    }
    const QString path = request.url().path();
    Reply r;
    if (path == QLatin1String("/v5/market/kline"))
        r = kline(request);
    else if (path == QLatin1String("/v5/market/instruments-info"))
        r = instruments(request);
    else if (path == QLatin1String("/v5/market/time"))
        r = envelope(0, QStringLiteral("OK"),
                     QJsonObject{{QStringLiteral("timeSecond"), QString::number(t / 1000)},
                                 {QStringLiteral("timeNano"), QString(QString::number(t) + QStringLiteral("000000"))}});
    else {
        r.status = 404;
        r.contentType = "text/plain";
        r.body = "404 page not found";
    }
    r.headers += headers;
    return r;
}

FakeServer::Reply BybitFake::kline(const QHttpServerRequest &request)
{
    const QUrlQuery q(request.url());
    const QString category = q.hasQueryItem(QStringLiteral("category"))
                                 ? q.queryItemValue(QStringLiteral("category"))
                                 : QStringLiteral("linear");
    if (category != QLatin1String("spot") && category != QLatin1String("linear")
        && category != QLatin1String("inverse"))
        return envelope(10001, QStringLiteral("Illegal category"), {});
    const QString symbol = q.queryItemValue(QStringLiteral("symbol"));
    const Instrument *inst = find(category, symbol);
    if (!inst)
        return envelope(10001, QStringLiteral("Not supported symbols"), {});
    const std::optional<Timeframe> tf = timeframeOf(q.queryItemValue(QStringLiteral("interval")));
    if (!tf)
        return envelope(10001, QStringLiteral("Invalid period!"), {});
    int limit = kDefaultLimit;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = q.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1)
            return envelope(10001, QStringLiteral("params error: limit invalid"), {});
        limit = std::min(limit, kMaxLimit);
    }
    const bool hasStart = q.hasQueryItem(QStringLiteral("start"));
    const bool hasEnd = q.hasQueryItem(QStringLiteral("end"));
    const qint64 start = q.queryItemValue(QStringLiteral("start")).toLongLong();
    const qint64 end = q.queryItemValue(QStringLiteral("end")).toLongLong();
    const qint64 t0 = now();
    const QString key = truthKey(category, symbol);
    const qint64 floor = std::max(hasStart ? start : 0, m_truth.listing(key));
    const qint64 hi = std::min(hasEnd ? end : t0, t0); // open times up to here

    // Newest first, as Bybit sends them.
    QList<Bar> picked;
    if (hasStart && !hasEnd) {
        // The oldest `limit` from start; a start inside a bucket begins at the next one.
        qint64 t = tf->bucketStart(floor);
        if (t < floor)
            t = tf->bucketEnd(t);
        for (; t <= hi && picked.size() < limit; t = tf->bucketEnd(t))
            if (std::optional<Bar> b = nativeCandle(m_truth, key, *tf, t, t0))
                picked.prepend(*b);
    } else {
        // The newest `limit` up to end (both bounds inclusive).
        for (qint64 t = tf->bucketStart(hi); t >= floor && picked.size() < limit;
             t = tf->bucketStart(t - 1))
            if (std::optional<Bar> b = nativeCandle(m_truth, key, *tf, t, t0))
                picked.append(*b);
    }
    const int d = m_truth.decimals(key);
    QJsonArray list;
    for (const Bar &b : std::as_const(picked))
        list.append(QJsonArray{QString::number(b.t), plain(b.o, d), plain(b.h, d), plain(b.l, d),
                               plain(b.c, d), plain(b.v, 4), plain(b.v * b.c, 4)});
    // result's keys in Bybit's order (QJsonObject would sort them).
    const QByteArray result = "{\"symbol\":\"" + symbol.toUtf8() + "\",\"category\":\""
                              + category.toUtf8() + "\",\"list\":"
                              + QJsonDocument(list).toJson(QJsonDocument::Compact) + '}';
    Reply r = envelope(0, QStringLiteral("OK"), {});
    r.body.replace(QByteArray("\"result\":{}"), QByteArray("\"result\":" + result));
    return r;
}

FakeServer::Reply BybitFake::instruments(const QHttpServerRequest &request) const
{
    const QUrlQuery q(request.url());
    const QString category = q.queryItemValue(QStringLiteral("category"));
    if (category.isEmpty())
        return envelope(10001, QStringLiteral("params error: category is required"), {});
    QJsonArray list;
    QString next;
    auto tick = [this](const QString &key) {
        const int d = m_truth.decimals(key);
        return QString::number(std::pow(10.0, -d), 'f', d);
    };
    if (category == QLatin1String("spot")) {
        // Spot comes whole: limit and cursor are ignored.
        for (const Instrument &i : kSpot) {
            const QString sym = QString::fromLatin1(i.symbol);
            list.append(QJsonObject{
                {QStringLiteral("symbol"), sym},
                {QStringLiteral("baseCoin"), QString::fromLatin1(i.base)},
                {QStringLiteral("quoteCoin"), QString::fromLatin1(i.quote)},
                {QStringLiteral("innovation"), QStringLiteral("0")},
                {QStringLiteral("status"), QStringLiteral("Trading")},
                {QStringLiteral("marginTrading"), QStringLiteral("utaOnly")},
                {QStringLiteral("stTag"), QStringLiteral("0")},
                {QStringLiteral("lotSizeFilter"),
                 QJsonObject{{QStringLiteral("basePrecision"), QStringLiteral("0.000001")},
                             {QStringLiteral("quotePrecision"), QStringLiteral("0.00000001")},
                             {QStringLiteral("minOrderQty"), QStringLiteral("0.000048")},
                             {QStringLiteral("maxOrderQty"), QStringLiteral("71.73956243")},
                             {QStringLiteral("minOrderAmt"), QStringLiteral("1")},
                             {QStringLiteral("maxOrderAmt"), QStringLiteral("2000000")}}},
                {QStringLiteral("priceFilter"), QJsonObject{{QStringLiteral("tickSize"), tick(sym)}}},
            });
        }
    } else if (category == QLatin1String("linear")) {
        int limit = instrumentsPageSize;
        if (q.hasQueryItem(QStringLiteral("limit")))
            limit = std::clamp(q.queryItemValue(QStringLiteral("limit")).toInt(), 1, 1000);
        limit = std::min(limit, instrumentsPageSize); // the fake's page, to test paging
        const int from = q.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded)
                             .section(QLatin1Char('='), 1)
                             .toInt();
        const int count = int(std::size(kLinear));
        for (int k = from; k < count && k < from + limit; ++k) {
            const Instrument &i = kLinear[k];
            const QString sym = QString::fromLatin1(i.symbol);
            const bool perpetual = QLatin1String(i.contractType) == QLatin1String("LinearPerpetual");
            list.append(QJsonObject{
                {QStringLiteral("symbol"), sym},
                {QStringLiteral("contractType"), QString::fromLatin1(i.contractType)},
                {QStringLiteral("status"), QStringLiteral("Trading")},
                {QStringLiteral("baseCoin"), QString::fromLatin1(i.base)},
                {QStringLiteral("quoteCoin"), QString::fromLatin1(i.quote)},
                {QStringLiteral("launchTime"), QString::number(i.listing)},
                {QStringLiteral("deliveryTime"), perpetual ? QStringLiteral("0") : QStringLiteral("1735286400000")},
                {QStringLiteral("deliveryFeeRate"), QString()},
                {QStringLiteral("priceScale"), QString::number(m_truth.decimals(truthKey(category, sym)))},
                {QStringLiteral("leverageFilter"),
                 QJsonObject{{QStringLiteral("minLeverage"), QStringLiteral("1")},
                             {QStringLiteral("maxLeverage"), QStringLiteral("100.00")},
                             {QStringLiteral("leverageStep"), QStringLiteral("0.01")}}},
                {QStringLiteral("priceFilter"),
                 QJsonObject{{QStringLiteral("minPrice"), QStringLiteral("0.10")},
                             {QStringLiteral("maxPrice"), QStringLiteral("1999999.80")},
                             {QStringLiteral("tickSize"), tick(truthKey(category, sym))}}},
                {QStringLiteral("unifiedMarginTrade"), true},
                {QStringLiteral("fundingInterval"), 480},
                {QStringLiteral("settleCoin"), QString::fromLatin1(i.quote)},
                {QStringLiteral("copyTrading"), QStringLiteral("both")},
                {QStringLiteral("upperFundingRate"), QStringLiteral("0.005")},
                {QStringLiteral("lowerFundingRate"), QStringLiteral("-0.005")},
                {QStringLiteral("isPreListing"), false},
            });
        }
        // Bybit's cursor is opaque (URL-encoded "first=..&last=.."); here it says where the
        // next page starts.
        if (from + limit < count)
            next = QStringLiteral("last=%1").arg(from + limit);
    } else if (category != QLatin1String("inverse") && category != QLatin1String("option")) {
        return envelope(10001, QStringLiteral("Illegal category"), {});
    } // inverse and option: none listed here
    QJsonObject result{{QStringLiteral("category"), category},
                       {QStringLiteral("list"), list},
                       {QStringLiteral("nextPageCursor"), next}};
    return envelope(0, QStringLiteral("OK"), result);
}

} // namespace barkeep::fakes
