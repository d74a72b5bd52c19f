// SPDX-License-Identifier: GPL-3.0-or-later
#include "okxexchange.h"

#include "okxstream.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"OKX"_s;

qint64 addBuckets(const Timeframe &tf, qint64 t, int n)
{
    if (!tf.isMonthly())
        return t + qint64(n) * tf.durationMs();
    for (int i = 0; i < n; ++i)
        t = tf.bucketEnd(t);
    return t;
}

// OKX's code: a string ("0"), a number in some SDK recordings; nullopt if absent.
std::optional<qint64> codeOf(const QJsonObject &envelope)
{
    const QJsonValue v = envelope.value(u"code"_s);
    if (v.isDouble())
        return qint64(v.toDouble());
    bool ok = false;
    const qint64 code = v.toString().toLongLong(&ok);
    return ok ? std::optional<qint64>(code) : std::nullopt;
}
} // namespace

OkxExchange::OkxExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context)
    : CryptoExchange(settings, std::move(context), u"https://www.okx.com"_s)
    , m_instType(m_settings.market == u"perpetual"_s ? u"SWAP"_s : u"SPOT"_s)
{
}

QStringList OkxExchange::timeframes() const
{
    // No 8h at OKX; its 3D bars are not known to start where Barkeep's 3d buckets do.
    return {u"1m"_s, u"3m"_s, u"5m"_s, u"15m"_s, u"30m"_s, u"1h"_s, u"2h"_s,
            u"4h"_s, u"6h"_s, u"12h"_s, u"1d"_s, u"1w"_s, u"1M"_s};
}

QString OkxExchange::barOf(const QString &timeframe)
{
    static const QHash<QString, QString> bars{
        {u"1m"_s, u"1m"_s},      {u"3m"_s, u"3m"_s},        {u"5m"_s, u"5m"_s},
        {u"15m"_s, u"15m"_s},    {u"30m"_s, u"30m"_s},      {u"1h"_s, u"1H"_s},
        {u"2h"_s, u"2H"_s},      {u"4h"_s, u"4H"_s},        {u"6h"_s, u"6Hutc"_s},
        {u"12h"_s, u"12Hutc"_s}, {u"1d"_s, u"1Dutc"_s},     {u"1w"_s, u"1Wutc"_s},
        {u"1M"_s, u"1Mutc"_s}};
    const Result<Timeframe> tf = Timeframe::parse(timeframe);
    return tf ? bars.value(tf->name()) : QString();
}

Error OkxExchange::mapError(const HttpResponse &response)
{
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    const std::optional<qint64> code = codeOf(body);
    const QString msg = body.value(u"msg"_s).toString();
    const QString text = code ? u"OKX: %1 (code %2, HTTP %3)"_s.arg(msg).arg(*code).arg(response.status)
                              : u"OKX answered HTTP %1"_s.arg(response.status);
    const QString detail = fragment(response.body, 0, 300);
    const qint64 retry = HttpClient::retryAfterMs(response);
    // The limits count per 2 s; nothing says how long to wait, so one window.
    const qint64 throttleWait = retry > 0 ? retry : 2000;
    if (code == 50011 || (response.status == 429 && code != 50013))
        return Error(Error::Kind::RateLimited, text, detail, throttleWait);
    switch (response.status) {
    case 401:
    case 403:
        return Error(Error::Kind::Auth, text, detail);
    case 429: // 50013 "Systems are busy"
        return Error(Error::Kind::Upstream, text, detail, throttleWait);
    default:
        break;
    }
    if (response.status >= 500)
        return Error(Error::Kind::Upstream, text, detail);
    switch (code.value_or(-1)) {
    case 50001: // service temporarily unavailable
    case 50013: // systems are busy
    case 50026: // system error
        return Error(Error::Kind::Upstream, text, detail);
    case 51001: // instrument ID doesn't exist
    case 51000: // parameter error
    case 50014: // parameter empty
        return Error(Error::Kind::BadInput, text, detail);
    default:
        break;
    }
    if (response.status == 404)
        return Error(Error::Kind::NotFound, text, detail);
    if (response.status >= 400)
        return Error(Error::Kind::BadInput, text, detail);
    return Error(Error::Kind::BadResponse, code ? text : u"OKX: an answer without code"_s, detail);
}

Result<Bars> OkxExchange::parseCandles(const QByteArray &body, bool swap)
{
    Result<QJsonObject> root = parseJsonObject(body, kProvider, u"OKX candles"_s);
    if (!root)
        return root.error();
    if (codeOf(*root).value_or(-1) != 0) {
        HttpResponse said;
        said.status = 200;
        said.body = body;
        return mapError(said);
    }
    const QJsonValue data = root->value(u"data"_s);
    if (!data.isArray())
        return Error(Error::Kind::BadResponse, u"OKX candles: no data array"_s, fragment(body, 0, 300));
    const int volumeAt = swap ? 6 : 5;
    std::vector<bool> closed;
    closed.reserve(data.toArray().size());
    Result<Bars> bars = parseBarRows(
        data.toArray(), u"OKX candles: malformed or unordered row"_s,
        [&closed, volumeAt](const QJsonArray &row, const Bars &before, Bar &b) {
            double t = 0;
            const QString confirm = row.at(8).toString();
            const bool ok = row.size() >= 9 && toNumber(row.at(0), &t) && isTimeInRange(t)
                            && t == std::floor(t) && toNumber(row.at(1), &b.o)
                            && toNumber(row.at(2), &b.h) && toNumber(row.at(3), &b.l)
                            && toNumber(row.at(4), &b.c) && toNumber(row.at(volumeAt), &b.v)
                            && (confirm == u"0"_s || confirm == u"1"_s);
            b.t = qint64(t);
            closed.push_back(confirm == u"1"_s);
            // Newest first: each row starts before the one above it.
            return ok && (before.empty() || b.t < before.back().t);
        });
    if (!bars)
        return bars;
    Bars out;
    out.reserve(bars->size());
    for (std::size_t i = bars->size(); i-- > 0;)
        if (closed[i])
            out.push_back((*bars)[i]);
    return out;
}

Result<QList<SymbolInfo>> OkxExchange::parseInstruments(const QJsonArray &data, const QString &instType)
{
    QList<SymbolInfo> out;
    const bool swap = instType == u"SWAP"_s;
    for (const QJsonValue &v : data) {
        const QJsonObject o = v.toObject();
        SymbolInfo s;
        s.native = o.value(u"instId"_s).toString();
        QString settle;
        if (swap) {
            // Swaps name no base/quote: the family ("BTC-USDT") does.
            QString family = o.value(u"instFamily"_s).toString();
            if (family.isEmpty())
                family = o.value(u"uly"_s).toString();
            const QStringList parts = family.split(u'-');
            if (parts.size() == 2) {
                s.base = parts[0];
                s.quote = parts[1];
            }
            settle = o.value(u"settleCcy"_s).toString();
        } else {
            s.base = o.value(u"baseCcy"_s).toString();
            s.quote = o.value(u"quoteCcy"_s).toString();
        }
        if (s.native.isEmpty() || s.base.isEmpty() || s.quote.isEmpty() || (swap && settle.isEmpty()))
            return Error(Error::Kind::BadResponse, u"OKX instruments: malformed instrument"_s, compact(v));
        if (o.value(u"state"_s).toString(u"live"_s) != u"live"_s)
            continue;
        s.symbol = s.base + u'/' + s.quote + (swap ? u':' + settle : QString());
        out.append(s);
    }
    return out;
}

std::unique_ptr<BarStream> OkxExchange::openStream(const QString &symbol, const QString &timeframe)
{
    Result<SeriesTarget> target = checkSeries(symbol, timeframe);
    if (!target)
        return nullptr;
    const QString root = wsRoot(m_settings.testnet ? u"wss://wspap.okx.com:8443"_s : u"wss://ws.okx.com:8443"_s);
    return std::make_unique<OkxStream>(QUrl(root + u"/ws/v5/business"_s), target->symbol.native,
                                       barOf(target->timeframe.name()), m_instType == u"SWAP"_s);
}

Result<CryptoExchange::JsonAnswer> OkxExchange::call(const QUrl &url, const std::atomic<bool> *cancel,
                                                     int *answered) const
{
    QList<QPair<QByteArray, QByteArray>> headers;
    if (m_settings.testnet)
        headers.append(qMakePair(QByteArray("x-simulated-trading"), QByteArray("1")));
    Result<HttpResponse> resp = get(url, 1, cancel, headers);
    if (!resp)
        return resp.error();
    if (answered)
        ++*answered;
    heard(*resp);
    const QJsonObject envelope = QJsonDocument::fromJson(resp->body).object();
    if (!resp->isSuccess() || codeOf(envelope).value_or(-1) != 0) {
        Error e = mapError(*resp);
        reportThrottle(e, *resp);
        return e;
    }
    Result<QJsonDocument> doc = parseJson(resp->body, kProvider);
    if (!doc)
        return doc.error();
    return JsonAnswer{std::move(resp->body), std::move(*doc)};
}

Result<QList<SymbolInfo>> OkxExchange::loadMarkets()
{
    // One call returns the whole list (no paging).
    QUrlQuery q;
    q.addQueryItem(u"instType"_s, m_instType);
    Result<JsonAnswer> answer = call(endpoint(u"/api/v5/public/instruments"_s, q), nullptr);
    if (!answer)
        return answer.error();
    const QJsonValue data = answer->doc.object().value(u"data"_s);
    if (!data.isArray())
        return Error(Error::Kind::BadResponse, u"OKX instruments: no data array"_s,
                     fragment(answer->body, 0, 200));
    return parseInstruments(data.toArray(), m_instType);
}

Result<BarBatch> OkxExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                         const SymbolInfo &sym, BarBatch batch)
{
    const QString bar = barOf(tf.name());
    const bool swap = m_instType == u"SWAP"_s;
    qint64 start = tf.bucketStart(request.since);
    if (start < request.since)
        start = tf.bucketEnd(start);
    qint64 formingStart = tf.bucketStart(nowMs());
    while (start < request.until && start < formingStart) {
        if (request.cancel && request.cancel->load())
            return Error(Error::Kind::Cancelled, u"cancelled"_s);
        formingStart = tf.bucketStart(nowMs());
        const qint64 windowEnd = std::min(addBuckets(tf, start, kMaxLimit), request.until);
        const bool recent = tf.isMonthly() || start >= formingStart - qint64(kRecentReach) * tf.durationMs();
        const QString path = recent ? u"/api/v5/market/candles"_s : u"/api/v5/market/history-candles"_s;
        // Rows of the window, collected newest first across its pages.
        Bars window;
        qint64 after = windowEnd;
        for (int guard = 0; guard <= kMaxLimit; ++guard) {
            QUrlQuery q;
            q.addQueryItem(u"instId"_s, sym.native);
            q.addQueryItem(u"bar"_s, bar);
            q.addQueryItem(u"before"_s, QString::number(start - 1));
            q.addQueryItem(u"after"_s, QString::number(after));
            q.addQueryItem(u"limit"_s, QString::number(kMaxLimit));
            Result<JsonAnswer> answer = call(endpoint(path, q), request.cancel, &batch.requests);
            if (!answer)
                return answer.error();
            // Raw rows, the forming one too, to see how far back the page reached.
            Result<Bars> page = parseCandles(answer->body, swap);
            if (!page)
                return page.error();
            const QJsonArray rows = answer->doc.object().value(u"data"_s).toArray();
            qint64 oldest = after;
            if (!rows.isEmpty()) {
                double t = 0;
                toNumber(rows.last().toArray().at(0), &t);
                oldest = qint64(t);
            }
            for (auto it = page->rbegin(); it != page->rend(); ++it)
                if (it->t < after && (window.empty() || it->t < window.back().t))
                    window.push_back(*it);
            // A short page reached the window's start (or the listing); a page that may have
            // been cut by a cap is continued below its oldest row.
            if (rows.size() < kSmallestCap || oldest <= start || oldest >= after)
                break;
            after = oldest;
        }
        for (auto it = window.rbegin(); it != window.rend(); ++it) {
            const Bar &b = *it;
            if (b.t < start || b.t >= windowEnd || b.t < request.since || b.t >= request.until
                || b.t >= formingStart)
                continue;
            if (!batch.bars.empty() && b.t <= batch.bars.back().t)
                continue;
            batch.bars.push_back(b);
        }
        start = windowEnd;
    }
    batch.covered.to = qMax(request.since, qMin(request.until, formingStart));
    return batch;
}

} // namespace barkeep::crypto
