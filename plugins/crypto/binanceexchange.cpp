// SPDX-License-Identifier: GPL-3.0-or-later
#include "binanceexchange.h"

#include "binancestream.h"
#include "wirecheck.h"
#include "zipreader.h"

#include <QCryptographicHash>
#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"Binance"_s;
constexpr double kMicrosecondThreshold = 1e14; // ms values stay below this until year 5138

qint64 toMs(qint64 t)
{
    return double(t) > kMicrosecondThreshold ? t / 1000 : t;
}
} // namespace

BinanceExchange::BinanceExchange(ProviderSettings settings,
                                 std::shared_ptr<ProviderContext> context)
    : CryptoExchange(settings, std::move(context),
                     settings.testnet ? u"https://testnet.binance.vision"_s
                                      : u"https://api.binance.com"_s)
{
    m_archiveUrl = m_settings.archiveUrl.isEmpty() ? u"https://data.binance.vision"_s
                                                   : m_settings.archiveUrl;
    while (m_archiveUrl.endsWith(u'/'))
        m_archiveUrl.chop(1);
}

QStringList BinanceExchange::timeframes() const
{
    // Binance's REST intervals that Barkeep's Timeframe can express (1s is not one).
    return Timeframe::standardNames();
}

Error BinanceExchange::mapError(const HttpResponse &response)
{
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    const int code = body.value(u"code"_s).toInt(0);
    const QString msg = body.value(u"msg"_s).toString();
    const QString text
        = msg.isEmpty()
              ? u"Binance answered HTTP %1"_s.arg(response.status)
              : u"Binance: %1 (code %2, HTTP %3)"_s.arg(msg).arg(code).arg(response.status);
    const QString detail = fragment(response.body, 0, 300);
    const qint64 retry = HttpClient::retryAfterMs(response);
    switch (response.status) {
    case 418:
        return Error(Error::Kind::Banned, text, detail, retry);
    case 429:
        return Error(Error::Kind::RateLimited, text, detail, retry);
    case 401:
    case 403:
        return Error(Error::Kind::Auth, text, detail); // 403 is also Binance's WAF block
    default:
        break;
    }
    if (response.status >= 500)
        return Error(Error::Kind::Upstream, text, detail);
    switch (code) {
    case -1003:
        return Error(Error::Kind::RateLimited, text, detail, retry);
    case -1120:
        return Error(Error::Kind::Unsupported, text, detail);
    case -1121:
        return Error(Error::Kind::BadInput, text, detail); // unknown symbol
    default:
        break;
    }
    if (response.status == 404)
        return Error(Error::Kind::NotFound, text, detail);
    if (response.status >= 400)
        return Error(Error::Kind::BadInput, text, detail);
    return Error(Error::Kind::BadResponse, text, detail);
}

Result<Bars> BinanceExchange::parseKlines(const QByteArray &body)
{
    return parseKlinesAs(body, std::nullopt);
}

Result<Bars> BinanceExchange::parseKlinesAs(const QByteArray &body,
                                            const std::optional<Timeframe> &interval)
{
    Result<QJsonArray> array = parseJsonArray(body, kProvider, u"Binance klines"_s);
    if (!array)
        return array.error();
    // The first row whose close time (field 6) says another interval than asked.
    std::optional<QString> mislabeled;
    Result<Bars> bars = parseBarRows(
        *array, u"Binance klines: malformed or unordered row"_s,
        [&](const QJsonArray &row, const Bars &before, Bar &b) {
            const QJsonValue t = row.at(0);
            bool ok = row.size() >= 6 && t.isDouble();
            ok = ok && toNumber(row.at(1), &b.o) && toNumber(row.at(2), &b.h)
                 && toNumber(row.at(3), &b.l) && toNumber(row.at(4), &b.c)
                 && toNumber(row.at(5), &b.v);
            // µs (X-MBX-TIME-UNIT) are up to 1000× larger than ms: range-check
            // before converting.
            if (!ok || !isTimeInRange(t.toDouble() / 1000.0))
                return false;
            b.t = toMs(qint64(t.toDouble()));
            if (interval && !mislabeled && interval->isAligned(b.t)) {
                // close time = open + interval − 1 ms (or µs): the row names its interval.
                const QJsonValue close = row.at(6);
                if (!close.isDouble())
                    return false;
                const qint64 closeMs = toMs(qint64(close.toDouble()));
                if (closeMs != interval->bucketEnd(b.t) - 1)
                    mislabeled = u"the row at %1 closes at %2, not at the end of a %3 bucket"_s
                                     .arg(b.t)
                                     .arg(qint64(close.toDouble()))
                                     .arg(interval->name());
            }
            return before.empty() || b.t > before.back().t;
        });
    if (bars && mislabeled)
        return Error(Error::Kind::BadResponse, wire::refusal(kProvider, *interval, *mislabeled),
                     fragment(body, 0, 300));
    return bars;
}

Result<std::optional<StreamBar>> BinanceExchange::parseKlineEvent(const QByteArray &message)
{
    const QString context = u"Binance kline stream"_s;
    Result<QJsonObject> object = parseJsonObject(message, kProvider, context);
    if (!object)
        return object.error();
    auto bad = [&message, &context](const QString &why) {
        return Error(Error::Kind::BadResponse, context + u": "_s + why, fragment(message, 0, 300));
    };
    QJsonObject o = *object;
    // A combined-stream envelope {"stream": name, "data": event}.
    if (o.contains(u"stream"_s) && o.value(u"data"_s).isObject())
        o = o.value(u"data"_s).toObject();
    if (o.contains(u"code"_s) && o.contains(u"msg"_s))
        return bad(u"refused: %1 (code %2)"_s.arg(o.value(u"msg"_s).toString())
                       .arg(o.value(u"code"_s).toInt()));
    if (o.contains(u"result"_s) && o.contains(u"id"_s) && !o.contains(u"e"_s))
        return std::optional<StreamBar>(); // answer to a control message
    const QString event = o.value(u"e"_s).toString();
    if (event == u"serverShutdown"_s)
        return std::optional<StreamBar>(); // the disconnect that follows triggers a reconnect
    if (event != u"kline"_s)
        return bad(event.isEmpty() ? u"no event type"_s : u"unexpected event '%1'"_s.arg(event));
    const QJsonValue kv = o.value(u"k"_s);
    if (!kv.isObject())
        return bad(u"no kline object 'k'"_s);
    const QJsonObject k = kv.toObject();
    StreamBar sb;
    sb.symbol = k.value(u"s"_s).toString(o.value(u"s"_s).toString());
    const QJsonValue t = k.value(u"t"_s);
    if (!t.isDouble() || !isTimeInRange(t.toDouble() / 1000.0))
        return bad(u"missing or out-of-range start time 't'"_s);
    sb.bar.t = toMs(qint64(t.toDouble()));
    Result<Timeframe> tf = Timeframe::parse(k.value(u"i"_s).toString());
    if (!tf)
        return bad(u"unknown interval 'i'"_s);
    if (!tf->isAligned(sb.bar.t))
        return bad(u"start time not aligned to the interval"_s);
    if (!toNumber(k.value(u"o"_s), &sb.bar.o) || !toNumber(k.value(u"h"_s), &sb.bar.h)
        || !toNumber(k.value(u"l"_s), &sb.bar.l) || !toNumber(k.value(u"c"_s), &sb.bar.c)
        || !toNumber(k.value(u"v"_s), &sb.bar.v))
        return bad(u"missing or non-numeric o/h/l/c/v"_s);
    if (sb.bar.h < sb.bar.l || sb.bar.v < 0)
        return bad(u"high below low or negative volume"_s);
    const QJsonValue x = k.value(u"x"_s);
    if (!x.isBool())
        return bad(u"missing closed flag 'x'"_s);
    sb.final = x.toBool();
    return std::optional<StreamBar>(sb);
}

std::unique_ptr<BarStream> BinanceExchange::openStream(const QString &symbol,
                                                       const QString &timeframe)
{
    Result<SeriesTarget> target = checkSeries(symbol, timeframe);
    if (!target)
        return nullptr;
    const QString native = target->symbol.native;
    const QString root = wsRoot(m_settings.testnet ? u"wss://stream.testnet.binance.vision"_s
                                                   : u"wss://stream.binance.com:9443"_s);
    const QUrl url(root + u"/ws/"_s + native.toLower() + u"@kline_"_s + target->timeframe.name());
    return std::make_unique<BinanceStream>(url, native);
}

Result<BarBatch> BinanceExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                     const SymbolInfo &sym, BarBatch batch)
{

    qint64 start = request.since;
    qint64 formingStart = request.until;
    for (;;) {
        if (request.cancel && request.cancel->load())
            return Error(Error::Kind::Cancelled, u"cancelled"_s);
        refreshLimits(sym.native, request.cancel);
        // Any bucket that ended before the request went out is final; the one holding this
        // instant may still be forming and is never returned.
        formingStart = tf.bucketStart(nowMs());
        QUrlQuery q;
        q.addQueryItem(u"symbol"_s, sym.native);
        q.addQueryItem(u"interval"_s, tf.name());
        q.addQueryItem(u"startTime"_s, QString::number(start));
        q.addQueryItem(u"endTime"_s, QString::number(request.until - 1));
        q.addQueryItem(u"limit"_s, QString::number(kMaxLimit));
        Result<Bars> page = getBars(
            endpoint(u"/api/v3/klines"_s, q), kKlinesWeight, request.cancel, &mapError,
            [&tf](const QByteArray &body) { return parseKlinesAs(body, tf); }, batch);
        if (!page)
            return page.error();
        if (std::optional<Error> refused = checkPage(*page, tf))
            return *refused;
        for (const Bar &b : *page) {
            if (b.t < request.since || b.t >= request.until || b.t >= formingStart)
                continue;
            if (!batch.bars.empty() && b.t <= batch.bars.back().t)
                continue; // a page edge seen twice
            batch.bars.push_back(b);
        }
        // Fewer rows than asked: Binance had nothing more up to endTime (or now).
        if (page->size() < std::size_t(kMaxLimit))
            break;
        const qint64 next = tf.bucketEnd(page->back().t);
        if (next <= start)
            return Error(Error::Kind::BadResponse, u"Binance klines: paging did not advance"_s,
                         QString::number(page->back().t));
        if (next >= request.until || page->back().t >= formingStart)
            break;
        start = next;
    }
    batch.covered.to = qMax(request.since, qMin(request.until, formingStart));
    return batch;
}

Result<Bars> BinanceExchange::parseArchiveCsv(const QByteArray &csv)
{
    Bars bars;
    bars.reserve(csv.count('\n') + 1);
    int lineNo = 0;
    qsizetype pos = 0;
    while (pos < csv.size()) {
        qsizetype eol = csv.indexOf('\n', pos);
        if (eol < 0)
            eol = csv.size();
        const QByteArrayView line = QByteArrayView(csv).sliced(pos, eol - pos).trimmed();
        pos = eol + 1;
        ++lineNo;
        if (line.isEmpty())
            continue;
        // The first six of the twelve columns: open time, o, h, l, c, volume.
        QByteArrayView cols[6];
        int n = 0;
        qsizetype from = 0;
        while (n < 6) {
            const qsizetype comma = line.indexOf(',', from);
            cols[n++] = line.sliced(from, (comma < 0 ? line.size() : comma) - from);
            if (comma < 0)
                break;
            from = comma + 1;
        }
        bool ok = n == 6;
        Bar b;
        if (ok) {
            const qint64 t = cols[0].toLongLong(&ok);
            if (!ok && lineNo == 1)
                continue; // a header row ("open_time,open,...")
            b.t = toMs(t);
        }
        auto num = [&](int i, double *out) {
            bool good = false;
            *out = cols[i].toDouble(&good);
            return good && std::isfinite(*out);
        };
        ok = ok && num(1, &b.o) && num(2, &b.h) && num(3, &b.l) && num(4, &b.c) && num(5, &b.v)
             && (bars.empty() || b.t > bars.back().t);
        if (!ok)
            return Error(Error::Kind::BadResponse,
                         u"Binance archive CSV: bad row at line %1"_s.arg(lineNo),
                         QString::fromUtf8(line.first(qMin<qsizetype>(line.size(), 200))));
        bars.push_back(b);
    }
    return bars;
}

Result<BarBatch> BinanceExchange::fetchArchiveMonth(const QString &symbol, int year, int month)
{
    Result<SymbolInfo> sym = resolve(symbol);
    if (!sym)
        return sym.error();
    return fetchArchiveMonthFrom(
        [this](const QUrl &url) { return get(url, 0, nullptr); },
        u"%1/data/spot/monthly/klines/%2/1m/"_s.arg(m_archiveUrl, sym->native), sym->native, year,
        month, u"Binance archive"_s);
}

Result<BarBatch> BinanceExchange::fetchArchiveMonthFrom(
    const std::function<Result<HttpResponse>(const QUrl &)> &get, const QString &dirUrl,
    const QString &nativeSymbol, int year, int month, const QString &label)
{
    const QDate first(year, month, 1);
    if (!first.isValid())
        return Error(Error::Kind::BadInput, u"no such month %1-%2"_s.arg(year).arg(month));
    const QString name = u"%1-1m-%2.zip"_s.arg(nativeSymbol, first.toString(u"yyyy-MM"_s));

    auto fetch = [&](const QString &file) -> Result<QByteArray> {
        Result<HttpResponse> resp = get(QUrl(dirUrl + file));
        if (!resp)
            return resp.error();
        if (resp->status == 404)
            return Error(Error::Kind::NotFound,
                         u"%1 has no %2: fetch the month through REST"_s.arg(label, file));
        if (!resp->isSuccess())
            return HttpClient::statusError(*resp, label);
        return resp->body;
    };
    Result<QByteArray> checksum = fetch(name + u".CHECKSUM"_s);
    if (!checksum)
        return checksum.error();
    const QByteArray expected = checksum->trimmed().split(' ').value(0).toLower();
    if (expected.size() != 64 || QByteArray::fromHex(expected).size() != 32)
        return Error(Error::Kind::BadResponse, u"%1: unreadable checksum file"_s.arg(label),
                     fragment(*checksum, 0, 200));
    Result<QByteArray> zip = fetch(name);
    if (!zip)
        return zip.error();
    const QByteArray actual = QCryptographicHash::hash(*zip, QCryptographicHash::Sha256).toHex();
    if (actual != expected)
        return Error(Error::Kind::BadResponse,
                     u"%1: %2 fails its checksum"_s.arg(label, name),
                     u"expected %1, got %2"_s.arg(QString::fromLatin1(expected),
                                                  QString::fromLatin1(actual)));
    Result<QByteArray> csv = ZipReader::extractFirst(*zip, u".csv"_s);
    if (!csv)
        return csv.error();
    // Files from about mid-2022 on start with a header row; the parser skips one.
    Result<Bars> bars = parseArchiveCsv(*csv);
    if (!bars)
        return bars.error();

    BarBatch batch;
    batch.requests = 2;
    batch.covered.from = QDateTime(first, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    batch.covered.to
        = QDateTime(first.addMonths(1), QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    batch.bars.reserve(bars->size());
    for (const Bar &b : *bars)
        if (batch.covered.contains(b.t))
            batch.bars.push_back(b);
    return batch;
}

Result<QList<SymbolInfo>> BinanceExchange::loadMarkets()
{
    Result<JsonAnswer> answer = getJson(endpoint(u"/api/v3/exchangeInfo"_s), kExchangeInfoWeight,
                                        kProvider, &mapError);
    if (!answer)
        return answer.error();
    if (RequestGate *g = gate())
        g->announce(parseRateLimits(answer->doc.object().value(u"rateLimits"_s).toArray()));
    const QJsonValue list = answer->doc.object().value(u"symbols"_s);
    if (!list.isArray())
        return Error(Error::Kind::BadResponse, u"Binance exchangeInfo has no symbols array"_s,
                     fragment(answer->body, 0, 200));
    return parseMarkets(list.toArray(), {u"symbol"_s, u"baseAsset"_s, u"quoteAsset"_s},
                        u"Binance exchangeInfo: malformed symbol"_s);
}

QList<RateLimit> BinanceExchange::parseRateLimits(const QJsonArray &rateLimits)
{
    QList<RateLimit> out;
    for (const QJsonValue &v : rateLimits) {
        const QJsonObject o = v.toObject();
        const QString type = o.value(u"rateLimitType"_s).toString();
        RateLimit l;
        if (type == u"REQUEST_WEIGHT"_s)
            l.kind = RateLimit::Kind::Weight;
        else if (type == u"RAW_REQUESTS"_s)
            l.kind = RateLimit::Kind::Requests;
        else
            continue; // ORDERS: Barkeep places none
        const qint64 unit
            = RateLimit::intervalOf(QByteArray(QByteArray("1") + o.value(u"interval"_s).toString().left(1).toLatin1()));
        const int num = o.value(u"intervalNum"_s).toInt(1);
        const int limit = o.value(u"limit"_s).toInt(0);
        if (unit <= 0 || num <= 0 || limit <= 0)
            continue;
        l.intervalMs = unit * num;
        l.limit = limit;
        l.source = RateLimit::Source::Announced;
        out.append(l);
    }
    return out;
}

std::optional<RateLimit> BinanceExchange::limitStatedIn(const QByteArray &body)
{
    static const QRegularExpression stated(
        u"current limit is (\\d+) request weight per (\\d+) (SECOND|MINUTE|HOUR|DAY)"_s,
        QRegularExpression::CaseInsensitiveOption);
    const QString msg = QJsonDocument::fromJson(body).object().value(u"msg"_s).toString();
    const QRegularExpressionMatch m = stated.match(msg);
    if (!m.hasMatch())
        return std::nullopt;
    const qint64 unit
        = RateLimit::intervalOf(QByteArray(QByteArray("1") + m.captured(3).left(1).toLatin1()));
    RateLimit l{RateLimit::Kind::Weight, unit * m.captured(2).toLongLong(), m.captured(1).toInt(),
                RateLimit::Source::Announced};
    if (l.intervalMs <= 0 || l.limit <= 0)
        return std::nullopt;
    return l;
}

void BinanceExchange::heard(const HttpResponse &response) const
{
    if (response.status != 429 && response.status != 418)
        return;
    if (RequestGate *g = gate())
        if (const std::optional<RateLimit> l = limitStatedIn(response.body))
            g->announce({*l});
}

void BinanceExchange::refreshLimits(const QString &native, const std::atomic<bool> *cancel)
{
    RequestGate *g = gate();
    if (!g || !g->limitsStale() || nowMs() < m_nextRefreshMs.load())
        return;
    std::unique_lock lock(m_refreshMutex, std::try_to_lock);
    if (!lock.owns_lock() || !g->limitsStale())
        return;
    // A failing exchangeInfo is not asked for again on every page.
    m_nextRefreshMs = nowMs() + kRefreshSpacingMs;
    QUrlQuery q;
    q.addQueryItem(u"symbol"_s, native);
    Result<HttpResponse> resp = get(endpoint(u"/api/v3/exchangeInfo"_s, q), kExchangeInfoWeight, cancel);
    if (!resp || !resp->isSuccess())
        return; // the limits in force stay; the next page asks again
    g->announce(parseRateLimits(QJsonDocument::fromJson(resp->body).object().value(u"rateLimits"_s).toArray()));
}

} // namespace barkeep::crypto
