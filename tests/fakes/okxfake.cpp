// SPDX-License-Identifier: GPL-3.0-or-later
#include "okxfake.h"

#include "nativecandle.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>

namespace barkeep::fakes {

namespace {
constexpr int kRecentRows = 1440;
constexpr int kMaxLimit = 300;
constexpr int kDefaultLimit = 100;
constexpr double kContractSize = 0.01; // BTC per contract of the linear swap (ctVal)

struct Inst
{
    const char *id;
    const char *base;
    const char *quote;
    const char *settle; // swaps only
    const char *ctType; // swaps only
    qint64 listing;
};
const Inst kSpot[] = {
    {"BTC-USDT", "BTC", "USDT", "", "", 1548133413000},
    {"ETH-USDT", "ETH", "USDT", "", "", 1548133413000},
    {"SOL-USDT", "SOL", "USDT", "", "", 1612137600000},
};
const Inst kSwap[] = {
    {"BTC-USDT-SWAP", "BTC", "USDT", "USDT", "linear", 1573557408000},
    {"ETH-USDT-SWAP", "ETH", "USDT", "USDT", "linear", 1573557408000},
    {"BTC-USD-SWAP", "BTC", "USD", "BTC", "inverse", 1544169600000},
};

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

std::optional<Timeframe> timeframeOf(const QString &bar)
{
    static const QHash<QString, Timeframe> bars{
        {QStringLiteral("1m"), Timeframe::minutes(1)},       {QStringLiteral("3m"), Timeframe::minutes(3)},
        {QStringLiteral("5m"), Timeframe::minutes(5)},       {QStringLiteral("15m"), Timeframe::minutes(15)},
        {QStringLiteral("30m"), Timeframe::minutes(30)},     {QStringLiteral("1H"), Timeframe::minutes(60)},
        {QStringLiteral("2H"), Timeframe::minutes(120)},     {QStringLiteral("4H"), Timeframe::minutes(240)},
        {QStringLiteral("6Hutc"), Timeframe::minutes(360)},  {QStringLiteral("12Hutc"), Timeframe::minutes(720)},
        {QStringLiteral("1Dutc"), Timeframe::minutes(1440)}, {QStringLiteral("1Wutc"), Timeframe::minutes(10080)},
        {QStringLiteral("1Mutc"), Timeframe::months(1)}};
    const auto it = bars.constFind(bar);
    if (it == bars.cend())
        return std::nullopt;
    return *it;
}

const Inst *find(const QString &id, bool *swap)
{
    for (const Inst &i : kSpot)
        if (id == QLatin1String(i.id)) {
            *swap = false;
            return &i;
        }
    for (const Inst &i : kSwap)
        if (id == QLatin1String(i.id)) {
            *swap = true;
            return &i;
        }
    return nullptr;
}
} // namespace

OkxFake::OkxFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    m_faults.weightPerMinute = 0;
    for (const Inst &i : kSpot)
        m_truth.setListing(QString::fromLatin1(i.id), i.listing / 60000 * 60000);
    for (const Inst &i : kSwap)
        m_truth.setListing(QString::fromLatin1(i.id), i.listing / 60000 * 60000);
}

QStringList OkxFake::spotIds()
{
    QStringList out;
    for (const Inst &i : kSpot)
        out << QString::fromLatin1(i.id);
    return out;
}

QStringList OkxFake::swapIds()
{
    QStringList out;
    for (const Inst &i : kSwap)
        out << QString::fromLatin1(i.id);
    return out;
}

FakeServer::Reply OkxFake::error(int status, const char *code, const QString &msg)
{
    // {"code","msg","data"} in OKX's order; code is a string.
    return json(status, "{\"code\":\"" + QByteArray(code) + "\",\"msg\":"
                            + QJsonDocument(QJsonArray{msg}).toJson(QJsonDocument::Compact).mid(1).chopped(1)
                            + ",\"data\":[]}");
}

FakeServer::Reply OkxFake::serverError() const
{
    return error(503, "50001", QStringLiteral("Service temporarily unavailable. Please try again later."));
}

FakeServer::Reply OkxFake::answer(const QHttpServerRequest &request)
{
    const QString path = request.url().path();
    const bool isCandles = path == QLatin1String("/api/v5/market/candles");
    const bool isHistory = path == QLatin1String("/api/v5/market/history-candles");
    const bool isInstruments = path == QLatin1String("/api/v5/public/instruments");
    const int limit = isCandles ? candlesLimit : isHistory ? historyLimit : isInstruments ? instrumentsLimit : 10;
    Window &w = m_windows[path];
    const qint64 t = now();
    if (t / 2000 != w.window) {
        w.window = t / 2000;
        w.count = 0;
    }
    if (limit > 0 && ++w.count > limit) {
        ++m_throttled;
        return throttleIn200
                   ? error(200, "50011", QStringLiteral("Rate limit reached. Please refer to API "
                                                        "documentation and throttle requests accordingly."))
                   : error(429, "50011", QStringLiteral("Too Many Requests"));
    }
    if (isCandles || isHistory)
        return candles(request, isHistory);
    if (isInstruments)
        return instruments(request);
    if (path == QLatin1String("/api/v5/public/time"))
        return json(200, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"ts\":\"" + QByteArray::number(t) + "\"}]}");
    Reply r;
    r.status = 404;
    r.contentType = "text/html";
    r.body = "<html><body>404 Not Found</body></html>";
    return r;
}

FakeServer::Reply OkxFake::candles(const QHttpServerRequest &request, bool history)
{
    const QUrlQuery q(request.url());
    const QString id = q.queryItemValue(QStringLiteral("instId"));
    if (id.isEmpty())
        return error(400, "50014", QStringLiteral("Parameter instId can not be empty"));
    bool swap = false;
    const Inst *inst = find(id, &swap);
    if (!inst)
        return error(200, "51001", QStringLiteral("Instrument ID doesn't exist."));
    const std::optional<Timeframe> tf = timeframeOf(
        q.hasQueryItem(QStringLiteral("bar")) ? q.queryItemValue(QStringLiteral("bar")) : QStringLiteral("1m"));
    if (!tf)
        return error(400, "51000", QStringLiteral("Parameter bar error"));
    int limit = kDefaultLimit;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = q.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1)
            return error(400, "51000", QStringLiteral("Parameter limit error"));
    }
    limit = std::min(limit, history ? historyMaxLimit : kMaxLimit);
    const bool hasAfter = q.hasQueryItem(QStringLiteral("after"));
    const bool hasBefore = q.hasQueryItem(QStringLiteral("before"));
    const qint64 after = q.queryItemValue(QStringLiteral("after")).toLongLong();
    const qint64 before = q.queryItemValue(QStringLiteral("before")).toLongLong();
    const qint64 t0 = now();
    const QString key = QString::fromLatin1(inst->id);
    const qint64 forming = tf->bucketStart(t0);
    // The recent endpoint holds the latest 1,440 rows; history only closed bars.
    qint64 floor = m_truth.listing(key);
    if (!history) {
        qint64 reach = forming;
        for (int i = 1; i < kRecentRows; ++i)
            reach = tf->bucketStart(reach - 1);
        floor = std::max(floor, reach);
    }
    qint64 top = history ? tf->bucketStart(forming - 1) : forming; // newest open time served
    if (hasAfter)
        top = std::min(top, tf->bucketStart(after - 1)); // older than `after`
    const int d = m_truth.decimals(key);
    QJsonArray data;
    for (qint64 t = top; t >= floor && data.size() < limit; t = tf->bucketStart(t - 1)) {
        if (hasBefore && t <= before)
            break; // newer than `before` only
        const std::optional<Bar> b = nativeCandle(m_truth, key, *tf, t, t0);
        if (!b)
            continue;
        const QString quoteVolume = plain(b->v * b->c, 4);
        const QString vol = swap ? (QLatin1String(inst->ctType) == QLatin1String("linear")
                                        ? plain(b->v / kContractSize, 2)
                                        : plain(std::round(b->v * b->c / 100), 0)) // 100 USD a contract
                                 : plain(b->v, 4);
        const QString volCcy = swap ? plain(b->v, 4) : quoteVolume;
        data.append(QJsonArray{QString::number(t), plain(b->o, d), plain(b->h, d), plain(b->l, d),
                               plain(b->c, d), vol, volCcy, quoteVolume,
                               t == forming ? QStringLiteral("0") : QStringLiteral("1")});
    }
    return json(200, "{\"code\":\"0\",\"msg\":\"\",\"data\":" + QJsonDocument(data).toJson(QJsonDocument::Compact) + '}');
}

FakeServer::Reply OkxFake::instruments(const QHttpServerRequest &request) const
{
    const QString type = QUrlQuery(request.url()).queryItemValue(QStringLiteral("instType"));
    if (type.isEmpty())
        return error(400, "50014", QStringLiteral("Parameter instType can not be empty"));
    if (type != QLatin1String("SPOT") && type != QLatin1String("SWAP"))
        return json(200, "{\"code\":\"0\",\"msg\":\"\",\"data\":[]}");
    const bool swap = type == QLatin1String("SWAP");
    QJsonArray data;
    auto add = [&](const Inst &i) {
        const QString id = QString::fromLatin1(i.id);
        const int d = m_truth.decimals(id);
        const bool linear = QLatin1String(i.ctType) == QLatin1String("linear");
        const QString family = QString::fromLatin1(i.base) + QLatin1Char('-') + QString::fromLatin1(i.quote);
        // OKX lists the fields in alphabetical order, as QJsonObject writes them.
        data.append(QJsonObject{
            {QStringLiteral("alias"), QString()},
            {QStringLiteral("baseCcy"), swap ? QString() : QString::fromLatin1(i.base)},
            {QStringLiteral("category"), QStringLiteral("1")},
            {QStringLiteral("ctMult"), swap ? QStringLiteral("1") : QString()},
            {QStringLiteral("ctType"), QString::fromLatin1(i.ctType)},
            {QStringLiteral("ctVal"), swap ? (linear ? QStringLiteral("0.01") : QStringLiteral("100")) : QString()},
            {QStringLiteral("ctValCcy"), swap ? (linear ? QString::fromLatin1(i.base) : QString::fromLatin1(i.quote)) : QString()},
            {QStringLiteral("expTime"), QString()},
            {QStringLiteral("instFamily"), swap ? family : QString()},
            {QStringLiteral("instId"), id},
            {QStringLiteral("instType"), type},
            {QStringLiteral("lever"), swap ? QStringLiteral("100") : QStringLiteral("10")},
            {QStringLiteral("listTime"), QString::number(i.listing)},
            {QStringLiteral("lotSz"), swap ? QStringLiteral("0.01") : QStringLiteral("0.00000001")},
            {QStringLiteral("maxIcebergSz"), QStringLiteral("9999999999.0000000000000000")},
            {QStringLiteral("minSz"), swap ? QStringLiteral("0.01") : QStringLiteral("0.00001")},
            {QStringLiteral("quoteCcy"), swap ? QString() : QString::fromLatin1(i.quote)},
            {QStringLiteral("settleCcy"), QString::fromLatin1(i.settle)},
            {QStringLiteral("state"), QStringLiteral("live")},
            {QStringLiteral("tickSz"), QString::number(std::pow(10.0, -d), 'f', d)},
            {QStringLiteral("uly"), swap ? family : QString()},
        });
    };
    if (swap)
        for (const Inst &i : kSwap)
            add(i);
    else
        for (const Inst &i : kSpot)
            add(i);
    return json(200, "{\"code\":\"0\",\"msg\":\"\",\"data\":" + QJsonDocument(data).toJson(QJsonDocument::Compact) + '}');
}

} // namespace barkeep::fakes
