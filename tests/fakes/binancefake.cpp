// SPDX-License-Identifier: GPL-3.0-or-later
#include "binancefake.h"

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
constexpr int kMaxLimit = 1000;
constexpr int kDefaultLimit = 500;

struct SymbolDef
{
    const char *symbol;
    const char *base;
    const char *quote;
    qint64 listing;
};
const SymbolDef kSymbols[] = {
    {"BTCUSDT", "BTC", "USDT", 1502942400000},
    {"ETHUSDT", "ETH", "USDT", 1502942400000},
    {"ETHBTC", "ETH", "BTC", 1500004800000},
    {"SOLUSDT", "SOL", "USDT", 1597125600000},
};

QByteArray error(int code, const char *msg)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("code"), code},
                                     {QStringLiteral("msg"), QString::fromLatin1(msg)}})
        .toJson(QJsonDocument::Compact);
}

std::optional<Timeframe> interval(const QString &name)
{
    static const QStringList names = Timeframe::standardNames();
    QString n = name == QLatin1String("1mo") ? QStringLiteral("1M") : name;
    if (!names.contains(n))
        return std::nullopt;
    return *Timeframe::parse(n);
}

QByteArray num(double v, int decimals)
{
    return QByteArray::number(v, 'f', decimals);
}

qint64 utcMs(QDate d)
{
    return QDateTime(d, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}
} // namespace

BinanceFake::BinanceFake(quint64 seed, QObject *parent)
    : FakeServer(seed, parent)
{
    for (const SymbolDef &s : kSymbols)
        m_truth.setListing(QString::fromLatin1(s.symbol), s.listing);
}

QStringList BinanceFake::symbols()
{
    QStringList out;
    for (const SymbolDef &s : kSymbols)
        out << QString::fromLatin1(s.symbol);
    return out;
}

bool BinanceFake::isBanned() const
{
    return now() < m_bannedUntil;
}

FakeServer::Reply BinanceFake::serverError() const
{
    // Binance's 5xx: the request's fate is unknown.
    return json(502, error(-1000, "An unknown error occured while processing the request."));
}

QPair<QString, int> BinanceFake::windowName() const
{
    const qint64 w = std::max<qint64>(1000, m_faults.weightWindowMs);
    if (w % 60'000 == 0)
        return {QStringLiteral("MINUTE"), int(w / 60'000)};
    return {QStringLiteral("SECOND"), int(std::max<qint64>(1, w / 1000))};
}

QByteArray BinanceFake::usedWeightHeader() const
{
    const auto [unit, num] = windowName();
    return "X-MBX-USED-WEIGHT-" + QByteArray::number(num) + unit.at(0).toLatin1();
}

void BinanceFake::stamp(Reply &reply) const
{
    reply.headers.append({usedWeightHeader(), QByteArray::number(m_usedWeight)});
}

std::optional<FakeServer::Reply> BinanceFake::charge(int weight)
{
    const qint64 t = now();
    const qint64 windowMs = std::max<qint64>(1000, m_faults.weightWindowMs);
    if (t / windowMs != m_window) {
        m_window = t / windowMs;
        m_usedWeight = 0;
        m_refusedThisWindow = false;
        m_ignored429s = 0;
    }
    if (t < m_bannedUntil) {
        Reply r = json(418, error(-1003, "Way too much request weight used; IP banned until "
                                         "later. Please use WebSocket Streams for live updates "
                                         "to avoid bans."));
        r.headers.append({"Retry-After", QByteArray::number((m_bannedUntil - t + 999) / 1000)});
        stamp(r);
        ++m_418s;
        return r;
    }
    m_usedWeight += weight;
    m_totalWeight += weight;
    if (m_faults.weightPerMinute <= 0 || m_usedWeight <= m_faults.weightPerMinute)
        return std::nullopt;
    if (m_refusedThisWindow && t - m_first429At >= m_faults.inFlightGraceMs
        && ++m_ignored429s >= m_faults.ignored429sBeforeBan) {
        // The client ignored Retry-After: ban the IP.
        m_bannedUntil = t + qint64(m_faults.banSeconds) * 1000;
        Reply r = json(418, error(-1003, "Way too much request weight used; IP banned until "
                                         "later. Please use WebSocket Streams for live updates "
                                         "to avoid bans."));
        r.headers.append({"Retry-After", QByteArray::number(m_faults.banSeconds)});
        stamp(r);
        ++m_418s;
        return r;
    }
    if (!m_refusedThisWindow)
        m_first429At = t;
    m_refusedThisWindow = true;
    ++m_429s;
    Reply r = json(429, error(-1003, QStringLiteral("Too much request weight used; current limit "
                                                    "is %1 request weight per %2 %3. Please "
                                                    "use WebSocket Streams for live updates to "
                                                    "avoid polling the API.")
                                         .arg(m_faults.weightPerMinute)
                                         .arg(windowName().second)
                                         .arg(windowName().first)
                                         .toLatin1()
                                         .constData()));
    const qint64 windowEnd = (m_window + 1) * windowMs;
    r.headers.append({"Retry-After", QByteArray::number((windowEnd - t + 999) / 1000)});
    stamp(r);
    return r;
}

FakeServer::Reply BinanceFake::answer(const QHttpServerRequest &request)
{
    const QString path = request.url().path();
    if (path.startsWith(QLatin1String("/data/")))
        return archive(path);
    const int weight = path == QLatin1String("/api/v3/klines")         ? 2
                       : path == QLatin1String("/api/v3/exchangeInfo") ? 20
                                                                       : 1;
    if (std::optional<Reply> refused = charge(weight))
        return *refused;
    Reply r;
    if (path == QLatin1String("/api/v3/klines"))
        r = klines(request);
    else if (path == QLatin1String("/api/v3/exchangeInfo"))
        r = exchangeInfo();
    else if (path == QLatin1String("/api/v3/ping"))
        r = json(200, "{}");
    else if (path == QLatin1String("/api/v3/time"))
        r = json(200, "{\"serverTime\":" + QByteArray::number(now()) + "}");
    else
        r = json(404, error(-1000, "Unknown endpoint."));
    stamp(r);
    return r;
}

QByteArray BinanceFake::row(const QString &symbol, const Bar &b, const Timeframe &tf,
                            qint64 unit) const
{
    // Binance writes every price and volume with 8 decimals ("43519.34000000"); the truth's
    // values have fewer, so the text parses back to the same double.
    const int d = 8;
    const qint64 trades = 1 + qint64(b.v * 37);
    QByteArray out;
    out.reserve(200);
    out += '[' + QByteArray::number(b.t * unit) + ",\"" + num(b.o, d) + "\",\"" + num(b.h, d)
           + "\",\"" + num(b.l, d) + "\",\"" + num(b.c, d) + "\",\"" + num(b.v, 8) + "\","
           + QByteArray::number((tf.bucketEnd(b.t) - 1) * unit) + ",\"" + num(b.v * b.c, 8) + "\","
           + QByteArray::number(trades) + ",\"" + num(b.v / 2, 8) + "\",\"" + num(b.v * b.c / 2, 8)
           + "\",\"0\"]";
    return out;
}

FakeServer::Reply BinanceFake::klines(const QHttpServerRequest &request)
{
    const QUrlQuery q(request.url());
    const QString symbol = q.queryItemValue(QStringLiteral("symbol"));
    if (symbol.isEmpty())
        return json(400, error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, "
                                      "or malformed."));
    if (!symbols().contains(symbol))
        return json(400, error(-1121, "Invalid symbol."));
    std::optional<Timeframe> tf = interval(q.queryItemValue(QStringLiteral("interval")));
    if (!tf || q.queryItemValue(QStringLiteral("interval")) == QLatin1String("1mo"))
        return json(400, error(-1120, "Invalid interval."));
    // A proxy answering another interval: that interval's rows, close times included.
    if (const std::optional<Timeframe> other = interval(m_faults.mislabeledTimeframe))
        tf = other;
    int limit = kDefaultLimit;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = q.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxLimit)
            return json(400, error(-1130, "Invalid data sent for a parameter."));
    }
    auto timeParam = [&](const QString &name, bool *present) -> qint64 {
        *present = q.hasQueryItem(name);
        const qint64 v = q.queryItemValue(name).toLongLong();
        return double(v) > 1e14 ? v / 1000 : v; // µs accepted too
    };
    bool hasStart = false, hasEnd = false;
    const qint64 startTime = timeParam(QStringLiteral("startTime"), &hasStart);
    const qint64 endTime = timeParam(QStringLiteral("endTime"), &hasEnd);
    const qint64 unit = request.value("X-MBX-TIME-UNIT").toUpper() == "MICROSECOND" ? 1000 : 1;
    const qint64 t0 = now();
    const qint64 hi = std::min(hasEnd ? endTime : t0, t0); // open times up to here

    // Open times are keys: a start inside a bucket begins at the next one.
    QList<Bar> picked;
    if (hasStart) {
        qint64 t = tf->bucketStart(std::max(startTime, m_truth.listing(symbol)));
        if (t < startTime)
            t = tf->bucketEnd(t);
        for (; t <= hi && picked.size() < limit; t = tf->bucketEnd(t))
            if (std::optional<Bar> b = m_truth.nativeBucket(symbol, *tf, t, t0))
                picked.append(*b);
    } else {
        // Only endTime, or neither: the newest `limit` klines.
        const qint64 floor = m_truth.listing(symbol);
        for (qint64 t = tf->bucketStart(hi); t >= tf->bucketStart(floor) && picked.size() < limit;
             t = tf->bucketStart(t - 1))
            if (std::optional<Bar> b = m_truth.nativeBucket(symbol, *tf, t, t0))
                picked.prepend(*b);
    }
    QByteArray body = "[";
    for (qsizetype i = 0; i < picked.size(); ++i) {
        if (i)
            body += ',';
        body += row(symbol, picked[i], *tf, unit);
    }
    body += ']';
    return json(200, body);
}

FakeServer::Reply BinanceFake::exchangeInfo() const
{
    QJsonArray list;
    for (const SymbolDef &s : kSymbols) {
        const QString sym = QString::fromLatin1(s.symbol);
        const int d = m_truth.decimals(sym);
        const QString tick = QString::number(std::pow(10.0, -d), 'f', d);
        list.append(QJsonObject{
            {QStringLiteral("symbol"), sym},
            {QStringLiteral("status"), QStringLiteral("TRADING")},
            {QStringLiteral("baseAsset"), QString::fromLatin1(s.base)},
            {QStringLiteral("baseAssetPrecision"), 8},
            {QStringLiteral("quoteAsset"), QString::fromLatin1(s.quote)},
            {QStringLiteral("quotePrecision"), 8},
            {QStringLiteral("quoteAssetPrecision"), 8},
            {QStringLiteral("baseCommissionPrecision"), 8},
            {QStringLiteral("quoteCommissionPrecision"), 8},
            {QStringLiteral("orderTypes"),
             QJsonArray{QStringLiteral("LIMIT"), QStringLiteral("LIMIT_MAKER"),
                        QStringLiteral("MARKET"), QStringLiteral("STOP_LOSS_LIMIT"),
                        QStringLiteral("TAKE_PROFIT_LIMIT")}},
            {QStringLiteral("icebergAllowed"), true},
            {QStringLiteral("ocoAllowed"), true},
            {QStringLiteral("quoteOrderQtyMarketAllowed"), true},
            {QStringLiteral("allowTrailingStop"), true},
            {QStringLiteral("cancelReplaceAllowed"), true},
            {QStringLiteral("isSpotTradingAllowed"), true},
            {QStringLiteral("isMarginTradingAllowed"), false},
            {QStringLiteral("filters"),
             QJsonArray{
                 QJsonObject{{QStringLiteral("filterType"), QStringLiteral("PRICE_FILTER")},
                             {QStringLiteral("minPrice"), tick},
                             {QStringLiteral("maxPrice"), QStringLiteral("1000000.00000000")},
                             {QStringLiteral("tickSize"), tick}},
                 QJsonObject{{QStringLiteral("filterType"), QStringLiteral("LOT_SIZE")},
                             {QStringLiteral("minQty"), QStringLiteral("0.00001000")},
                             {QStringLiteral("maxQty"), QStringLiteral("9000.00000000")},
                             {QStringLiteral("stepSize"), QStringLiteral("0.00001000")}}}},
            {QStringLiteral("permissions"), QJsonArray{}},
            {QStringLiteral("permissionSets"), QJsonArray{QJsonArray{QStringLiteral("SPOT")}}},
            {QStringLiteral("defaultSelfTradePreventionMode"), QStringLiteral("EXPIRE_MAKER")},
            {QStringLiteral("allowedSelfTradePreventionModes"),
             QJsonArray{QStringLiteral("EXPIRE_TAKER"), QStringLiteral("EXPIRE_MAKER"),
                        QStringLiteral("EXPIRE_BOTH")}},
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
        {QStringLiteral("rateLimits"),
         QJsonArray{limit("REQUEST_WEIGHT", qPrintable(windowName().first), windowName().second,
                          m_faults.weightPerMinute),
                    limit("ORDERS", "SECOND", 10, 100), limit("ORDERS", "DAY", 1, 200000),
                    limit("RAW_REQUESTS", "MINUTE", 5, 61000)}},
        {QStringLiteral("exchangeFilters"), QJsonArray{}},
        {QStringLiteral("symbols"), list},
    };
    return json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QByteArray BinanceFake::archiveCsv(const QString &symbol, const Timeframe &tf,
                                   TimeRange range) const
{
    // Spot files from 2025-01-01 on carry µs timestamps.
    const qint64 unit = range.from >= 1735689600000 ? 1000 : 1;
    const Bars bars = m_truth.nativeBars(symbol, range, tf);
    QByteArray csv;
    csv.reserve(qsizetype(bars.size()) * 140);
    for (const Bar &b : bars) {
        // The REST row without its brackets and quotes.
        const QByteArray r = row(symbol, b, tf, unit);
        for (qsizetype i = 1; i + 1 < r.size(); ++i)
            if (r[i] != '"')
                csv += r[i];
        csv += '\n';
    }
    return csv;
}

FakeServer::Reply BinanceFake::archive(const QString &path)
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
        "^/data/spot/(monthly|daily)/klines/([A-Z0-9]+)/([0-9a-zA-Z]+)/"
        "(([A-Z0-9]+)-([0-9a-zA-Z]+)-(\\d{4})-(\\d{2})(?:-(\\d{2}))?\\.zip)(\\.CHECKSUM)?$"));
    const QRegularExpressionMatch m = re.match(path);
    if (!m.hasMatch())
        return notFound();
    const bool monthly = m.captured(1) == QLatin1String("monthly");
    const QString symbol = m.captured(2);
    const std::optional<Timeframe> tf = interval(m.captured(3));
    if (!tf || m.captured(3) == QLatin1String("1M") || m.captured(5) != symbol
        || m.captured(6) != m.captured(3) || monthly == !m.captured(9).isEmpty()
        || !symbols().contains(symbol))
        return notFound();
    const QDate first(m.captured(7).toInt(), m.captured(8).toInt(),
                      monthly ? 1 : m.captured(9).toInt());
    if (!first.isValid())
        return notFound();
    const TimeRange range{utcMs(first), utcMs(monthly ? first.addMonths(1) : first.addDays(1))};
    // Published only once the period is over, and only where the symbol traded.
    if (range.to > now() || range.to <= m_truth.listing(symbol))
        return notFound();

    const QString zipName = m.captured(4);
    const ArchiveFile &file
        = archiveFile(path.left(path.indexOf(QLatin1String(".zip")) + 4), zipName, symbol, *tf, range);
    Reply r;
    if (m.captured(10).isEmpty()) {
        r.contentType = "application/zip";
        r.body = file.zip;
    } else {
        r.contentType = "text/plain";
        const QByteArray digest
            = m_faults.badChecksums.contains(zipName)
                  ? QCryptographicHash::hash("not the file", QCryptographicHash::Sha256).toHex()
                  : file.sha256;
        r.body = digest + "  " + zipName.toUtf8() + '\n';
    }
    return r;
}

const BinanceFake::ArchiveFile &BinanceFake::archiveFile(const QString &key, const QString &zipName,
                                                         const QString &symbol, const Timeframe &tf,
                                                         TimeRange range)
{
    // Built once per file, like the real host's prebuilt objects: a repeated download or its
    // CHECKSUM costs the fake nothing.
    ArchiveFile &file = m_archive[key];
    if (file.zip.isEmpty()) {
        QString csvName = zipName;
        csvName.replace(QLatin1String(".zip"), QLatin1String(".csv"));
        file.zip = ZipWriter::singleFile(csvName, archiveCsv(symbol, tf, range));
        file.sha256 = QCryptographicHash::hash(file.zip, QCryptographicHash::Sha256).toHex();
    }
    return file;
}

int BinanceFake::prebuildArchive(const QString &symbol, TimeRange range)
{
    if (!symbols().contains(symbol))
        return 0;
    const Timeframe tf = *Timeframe::parse(QStringLiteral("1m"));
    int built = 0;
    QDate month = QDateTime::fromMSecsSinceEpoch(range.from, QTimeZone::utc()).date();
    month = QDate(month.year(), month.month(), 1);
    for (; utcMs(month) < range.to; month = month.addMonths(1)) {
        const TimeRange r{utcMs(month), utcMs(month.addMonths(1))};
        // The same rule as archive(): published once over, only where the symbol traded.
        if (r.to > now() || r.to <= m_truth.listing(symbol))
            continue;
        const QString zipName = QStringLiteral("%1-1m-%2.zip").arg(symbol, month.toString(QStringLiteral("yyyy-MM")));
        archiveFile(QStringLiteral("/data/spot/monthly/klines/%1/1m/%2").arg(symbol, zipName), zipName, symbol, tf, r);
        ++built;
    }
    return built;
}

} // namespace barkeep::fakes
