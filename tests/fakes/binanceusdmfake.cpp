// SPDX-License-Identifier: GPL-3.0-or-later
#include "binanceusdmfake.h"

#include "nativecandle.h"

#include "zipwriter.h"

#include <QCryptographicHash>
#include <QDate>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>
#include <QUrlQuery>

#include <cmath>

namespace barkeep::fakes {

namespace {
constexpr int kMaxLimit = 1500;
constexpr int kDefaultLimit = 500;
// Files from this month on start with a header row (binance-public-data issues 246, 283).
const QDate kHeaderSince(2022, 7, 1);

struct Contract
{
    const char *symbol;
    const char *pair;
    const char *contractType;
    const char *base;
    const char *quote;
    const char *margin;
    qint64 onboard;
    qint64 delivery;
};
const Contract kContracts[] = {
    {"BTCUSDT", "BTCUSDT", "PERPETUAL", "BTC", "USDT", "USDT", 1567900800000, 4133404800000},
    {"ETHUSDT", "ETHUSDT", "PERPETUAL", "ETH", "USDT", "USDT", 1569398400000, 4133404800000},
    {"SOLUSDT", "SOLUSDT", "PERPETUAL", "SOL", "USDT", "USDT", 1600300800000, 4133404800000},
    {"BTCUSDC", "BTCUSDC", "PERPETUAL", "BTC", "USDC", "USDC", 1706745600000, 4133404800000},
    {"BTCUSDT_250328", "BTCUSDT", "CURRENT_QUARTER", "BTC", "USDT", "USDT", 1734076800000, 1743148800000},
};

QByteArray error(int code, const QByteArray &msg)
{
    return "{\"code\":" + QByteArray::number(code) + ",\"msg\":"
           + QJsonDocument(QJsonArray{QString::fromUtf8(msg)}).toJson(QJsonDocument::Compact).mid(1).chopped(1)
           + '}';
}

int weightOf(int limit)
{
    return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
}

std::optional<Timeframe> interval(const QString &name)
{
    if (!Timeframe::standardNames().contains(name))
        return std::nullopt;
    return *Timeframe::parse(name);
}

qint64 utcMs(QDate d)
{
    return QDateTime(d, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

const Contract *find(const QString &symbol)
{
    for (const Contract &c : kContracts)
        if (symbol == QLatin1String(c.symbol))
            return &c;
    return nullptr;
}
} // namespace

BinanceUsdmFake::BinanceUsdmFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    m_faults.weightPerMinute = 0; // this fake's own limit is weightPerMinute
    for (const Contract &c : kContracts)
        m_truth.setListing(truthKey(QString::fromLatin1(c.symbol)), c.onboard);
}

QStringList BinanceUsdmFake::perpetuals()
{
    QStringList out;
    for (const Contract &c : kContracts)
        if (QLatin1String(c.contractType) == QLatin1String("PERPETUAL"))
            out << QString::fromLatin1(c.symbol);
    return out;
}

FakeServer::Reply BinanceUsdmFake::serverError() const
{
    return json(503, error(-1001, "Internal error; unable to process your request. Please try again."));
}

std::optional<FakeServer::Reply> BinanceUsdmFake::charge(int weight)
{
    const qint64 t = now();
    if (t / 60'000 != m_window) {
        m_window = t / 60'000;
        m_usedWeight = 0;
        m_refused = false;
        m_ignored = 0;
    }
    auto stamp = [this](Reply &r) { r.headers.append({"X-MBX-USED-WEIGHT-1M", QByteArray::number(m_usedWeight)}); };
    if (t < m_bannedUntil) {
        ++m_418s;
        Reply r = json(418, error(-1003, "Way too much request weight used; IP banned until "
                                             + QByteArray::number(m_bannedUntil)
                                             + ". Please use the websocket for live updates to avoid bans."));
        r.headers.append({"Retry-After", QByteArray::number((m_bannedUntil - t + 999) / 1000)});
        stamp(r);
        return r;
    }
    m_usedWeight += weight;
    if (weightPerMinute <= 0 || m_usedWeight <= weightPerMinute)
        return std::nullopt;
    if (m_refused && ++m_ignored >= ignored429sBeforeBan) {
        m_bannedUntil = t + qint64(banSeconds) * 1000;
        ++m_418s;
        Reply r = json(418, error(-1003, "Way too much request weight used; IP banned until "
                                             + QByteArray::number(m_bannedUntil)
                                             + ". Please use the websocket for live updates to avoid bans."));
        r.headers.append({"Retry-After", QByteArray::number(banSeconds)});
        stamp(r);
        return r;
    }
    m_refused = true;
    ++m_429s;
    Reply r = json(429, error(-1003, "Too much request weight used; current limit is "
                                         + QByteArray::number(weightPerMinute)
                                         + " request weight per 1 MINUTE. Please use the websocket "
                                           "for live updates to avoid polling the API."));
    r.headers.append({"Retry-After", QByteArray::number(((m_window + 1) * 60'000 - t + 999) / 1000)});
    stamp(r);
    return r;
}

FakeServer::Reply BinanceUsdmFake::answer(const QHttpServerRequest &request)
{
    const QString path = request.url().path();
    if (path.startsWith(QLatin1String("/data/")))
        return archive(path);
    int weight = 1;
    if (path == QLatin1String("/fapi/v1/klines")) {
        const QUrlQuery q(request.url());
        weight = weightOf(q.hasQueryItem(QStringLiteral("limit"))
                              ? q.queryItemValue(QStringLiteral("limit")).toInt()
                              : kDefaultLimit);
    }
    if (std::optional<Reply> refused = charge(weight))
        return *refused;
    Reply r;
    if (path == QLatin1String("/fapi/v1/klines"))
        r = klines(request);
    else if (path == QLatin1String("/fapi/v1/exchangeInfo"))
        r = exchangeInfo();
    else if (path == QLatin1String("/fapi/v1/ping"))
        r = json(200, "{}");
    else if (path == QLatin1String("/fapi/v1/time"))
        r = json(200, "{\"serverTime\":" + QByteArray::number(now()) + "}");
    else
        r = json(404, error(-5000, "Path " + path.toUtf8() + ", Method GET is invalid"));
    r.headers.append({"X-MBX-USED-WEIGHT-1M", QByteArray::number(m_usedWeight)});
    return r;
}

QByteArray BinanceUsdmFake::row(const QString &key, const Bar &b, const Timeframe &tf) const
{
    const int d = m_truth.decimals(key);
    auto num = [](double v, int decimals) { return QByteArray::number(v, 'f', decimals); };
    const qint64 trades = 1 + qint64(b.v * 37);
    return '[' + QByteArray::number(b.t) + ",\"" + num(b.o, d) + "\",\"" + num(b.h, d) + "\",\""
           + num(b.l, d) + "\",\"" + num(b.c, d) + "\",\"" + num(b.v, 4) + "\","
           + QByteArray::number(tf.bucketEnd(b.t) - 1) + ",\"" + num(b.v * b.c, 5) + "\","
           + QByteArray::number(trades) + ",\"" + num(b.v / 2, 4) + "\",\"" + num(b.v * b.c / 2, 5)
           + "\",\"0\"]";
}

FakeServer::Reply BinanceUsdmFake::klines(const QHttpServerRequest &request)
{
    const QUrlQuery q(request.url());
    const QString symbol = q.queryItemValue(QStringLiteral("symbol"));
    if (symbol.isEmpty())
        return json(400, error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
    if (!find(symbol))
        return json(400, error(-1121, "Invalid symbol."));
    const std::optional<Timeframe> tf = interval(q.queryItemValue(QStringLiteral("interval")));
    if (!tf)
        return json(400, error(-1120, "Invalid interval."));
    int limit = kDefaultLimit;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = q.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxLimit)
            return json(400, error(-1130, "Data sent for parameter 'limit' is not valid."));
    }
    const bool hasStart = q.hasQueryItem(QStringLiteral("startTime"));
    const bool hasEnd = q.hasQueryItem(QStringLiteral("endTime"));
    const qint64 startTime = q.queryItemValue(QStringLiteral("startTime")).toLongLong();
    const qint64 endTime = q.queryItemValue(QStringLiteral("endTime")).toLongLong();
    const qint64 t0 = now();
    const QString key = truthKey(symbol);
    const qint64 hi = std::min(hasEnd ? endTime : t0, t0);
    QList<Bar> picked;
    if (hasStart) {
        qint64 t = tf->bucketStart(std::max(startTime, m_truth.listing(key)));
        if (t < startTime)
            t = tf->bucketEnd(t);
        for (; t <= hi && picked.size() < limit; t = tf->bucketEnd(t))
            if (std::optional<Bar> b = nativeCandle(m_truth, key, *tf, t, t0))
                picked.append(*b);
    } else {
        const qint64 floor = m_truth.listing(key);
        for (qint64 t = tf->bucketStart(hi); t >= tf->bucketStart(floor) && picked.size() < limit;
             t = tf->bucketStart(t - 1))
            if (std::optional<Bar> b = nativeCandle(m_truth, key, *tf, t, t0))
                picked.prepend(*b);
    }
    QByteArray body = "[";
    for (qsizetype i = 0; i < picked.size(); ++i) {
        if (i)
            body += ',';
        body += row(key, picked[i], *tf);
    }
    return json(200, body + ']');
}

FakeServer::Reply BinanceUsdmFake::exchangeInfo() const
{
    QJsonArray symbols;
    for (const Contract &c : kContracts) {
        const QString sym = QString::fromLatin1(c.symbol);
        const int d = m_truth.decimals(truthKey(sym));
        const QString tick = QString::number(std::pow(10.0, -d), 'f', d);
        symbols.append(QJsonObject{
            {QStringLiteral("symbol"), sym},
            {QStringLiteral("pair"), QString::fromLatin1(c.pair)},
            {QStringLiteral("contractType"), QString::fromLatin1(c.contractType)},
            {QStringLiteral("deliveryDate"), double(c.delivery)},
            {QStringLiteral("onboardDate"), double(c.onboard)},
            {QStringLiteral("status"), QStringLiteral("TRADING")},
            {QStringLiteral("maintMarginPercent"), QStringLiteral("2.5000")},
            {QStringLiteral("requiredMarginPercent"), QStringLiteral("5.0000")},
            {QStringLiteral("baseAsset"), QString::fromLatin1(c.base)},
            {QStringLiteral("quoteAsset"), QString::fromLatin1(c.quote)},
            {QStringLiteral("marginAsset"), QString::fromLatin1(c.margin)},
            {QStringLiteral("pricePrecision"), d},
            {QStringLiteral("quantityPrecision"), 3},
            {QStringLiteral("baseAssetPrecision"), 8},
            {QStringLiteral("quotePrecision"), 8},
            {QStringLiteral("underlyingType"), QStringLiteral("COIN")},
            {QStringLiteral("underlyingSubType"), QJsonArray{QStringLiteral("PoW")}},
            {QStringLiteral("triggerProtect"), QStringLiteral("0.0500")},
            {QStringLiteral("liquidationFee"), QStringLiteral("0.012500")},
            {QStringLiteral("marketTakeBound"), QStringLiteral("0.05")},
            {QStringLiteral("maxMoveOrderLimit"), 10000},
            {QStringLiteral("filters"),
             QJsonArray{QJsonObject{{QStringLiteral("filterType"), QStringLiteral("PRICE_FILTER")},
                                    {QStringLiteral("minPrice"), tick},
                                    {QStringLiteral("maxPrice"), QStringLiteral("4529764")},
                                    {QStringLiteral("tickSize"), tick}}}},
            {QStringLiteral("orderTypes"), QJsonArray{QStringLiteral("LIMIT"), QStringLiteral("MARKET")}},
            {QStringLiteral("timeInForce"), QJsonArray{QStringLiteral("GTC"), QStringLiteral("IOC")}},
        });
    }
    auto limit = [](const char *type, const char *interval, int num, int lim) {
        return QJsonObject{{QStringLiteral("rateLimitType"), QString::fromLatin1(type)},
                           {QStringLiteral("interval"), QString::fromLatin1(interval)},
                           {QStringLiteral("intervalNum"), num},
                           {QStringLiteral("limit"), lim}};
    };
    const QJsonObject o{
        {QStringLiteral("timezone"), QStringLiteral("UTC")},
        {QStringLiteral("serverTime"), double(now())},
        {QStringLiteral("futuresType"), QStringLiteral("U_MARGINED")},
        {QStringLiteral("rateLimits"),
         QJsonArray{limit("REQUEST_WEIGHT", "MINUTE", 1, weightPerMinute),
                    limit("ORDERS", "MINUTE", 1, 1200), limit("ORDERS", "SECOND", 10, 300)}},
        {QStringLiteral("exchangeFilters"), QJsonArray{}},
        {QStringLiteral("assets"), QJsonArray{}},
        {QStringLiteral("symbols"), symbols},
    };
    return json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

const BinanceUsdmFake::ArchiveFile &BinanceUsdmFake::archiveFile(const QString &symbol, QDate month)
{
    const QString name = QStringLiteral("%1-1m-%2").arg(symbol, month.toString(QStringLiteral("yyyy-MM")));
    ArchiveFile &file = m_archive[name];
    if (file.zip.isEmpty()) {
        const Timeframe tf = Timeframe::minutes(1);
        const QString key = truthKey(symbol);
        QByteArray csv;
        if (month >= kHeaderSince)
            csv += "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
                   "taker_buy_volume,taker_buy_quote_volume,ignore\n";
        for (const Bar &b : nativeCandles(m_truth, key, {utcMs(month), utcMs(month.addMonths(1))}, tf)) {
            const QByteArray r = row(key, b, tf);
            for (qsizetype i = 1; i + 1 < r.size(); ++i)
                if (r[i] != '"')
                    csv += r[i];
            csv += '\n';
        }
        file.zip = ZipWriter::singleFile(name + QStringLiteral(".csv"), csv);
        file.sha256 = QCryptographicHash::hash(file.zip, QCryptographicHash::Sha256).toHex();
    }
    return file;
}

FakeServer::Reply BinanceUsdmFake::archive(const QString &path)
{
    auto notFound = [&] {
        Reply r;
        r.status = 404;
        r.contentType = "application/xml";
        r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                 "<Message>The specified key does not exist.</Message><Key>"
                 + path.mid(1).toUtf8() + "</Key></Error>";
        return r;
    };
    static const QRegularExpression re(QStringLiteral(
        "^/data/futures/um/monthly/klines/([A-Z0-9_]+)/1m/(([A-Z0-9_]+)-1m-(\\d{4})-(\\d{2})\\.zip)(\\.CHECKSUM)?$"));
    const QRegularExpressionMatch m = re.match(path);
    if (!m.hasMatch() || m.captured(1) != m.captured(3) || !find(m.captured(1)))
        return notFound();
    const QString symbol = m.captured(1);
    const QDate month(m.captured(4).toInt(), m.captured(5).toInt(), 1);
    if (!month.isValid() || utcMs(month.addMonths(1)) > now()
        || utcMs(month.addMonths(1)) <= m_truth.listing(truthKey(symbol)))
        return notFound();
    const ArchiveFile &file = archiveFile(symbol, month);
    Reply r;
    if (m.captured(6).isEmpty()) {
        r.contentType = "application/zip";
        r.body = file.zip;
    } else {
        r.contentType = "text/plain";
        const QString zipName = m.captured(2);
        r.body = (m_faults.badChecksums.contains(zipName)
                      ? QCryptographicHash::hash("not the file", QCryptographicHash::Sha256).toHex()
                      : file.sha256)
                 + "  " + zipName.toUtf8() + '\n';
    }
    return r;
}

int BinanceUsdmFake::prebuildArchive(const QString &symbol, TimeRange range)
{
    if (!find(symbol))
        return 0;
    int built = 0;
    QDate month = QDateTime::fromMSecsSinceEpoch(range.from, QTimeZone::utc()).date();
    for (month = QDate(month.year(), month.month(), 1); utcMs(month) < range.to; month = month.addMonths(1)) {
        if (utcMs(month.addMonths(1)) > now() || utcMs(month.addMonths(1)) <= m_truth.listing(truthKey(symbol)))
            continue;
        archiveFile(symbol, month);
        ++built;
    }
    return built;
}

} // namespace barkeep::fakes
