// SPDX-License-Identifier: GPL-3.0-or-later
#include "bybitexchange.h"

#include "bybitstream.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"Bybit"_s;

// The start of the bucket `n` buckets after `t` (months have no fixed length).
qint64 addBuckets(const Timeframe &tf, qint64 t, int n)
{
    if (!tf.isMonthly())
        return t + qint64(n) * tf.durationMs();
    for (int i = 0; i < n; ++i)
        t = tf.bucketEnd(t);
    return t;
}

// A row value that Bybit sends as a string (and some recordings as a number).
bool toMs(const QJsonValue &v, qint64 *out)
{
    double d = 0;
    if (!CryptoExchange::toNumber(v, &d) || !isTimeInRange(d) || d != std::floor(d))
        return false;
    *out = qint64(d);
    return true;
}
} // namespace

BybitExchange::BybitExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context)
    : CryptoExchange(settings, std::move(context),
                     settings.testnet ? u"https://api-testnet.bybit.com"_s
                                      : u"https://api.bybit.com"_s)
    , m_category(m_settings.market == u"perpetual"_s ? u"linear"_s : u"spot"_s)
{
}

QStringList BybitExchange::timeframes() const
{
    // Bybit's intervals 1 3 5 15 30 60 120 240 360 720 D W M (no 8h, no 3d).
    return {u"1m"_s, u"3m"_s, u"5m"_s, u"15m"_s, u"30m"_s, u"1h"_s, u"2h"_s,
            u"4h"_s, u"6h"_s, u"12h"_s, u"1d"_s, u"1w"_s, u"1M"_s};
}

QString BybitExchange::intervalOf(const QString &timeframe)
{
    const Result<Timeframe> tf = Timeframe::parse(timeframe);
    if (!tf)
        return {};
    if (tf->isMonthly())
        return tf->monthCount() == 1 ? u"M"_s : QString();
    switch (tf->minuteCount()) {
    case 1: case 3: case 5: case 15: case 30: case 60: case 120: case 240: case 360: case 720:
        return QString::number(tf->minuteCount());
    case 1440:
        return u"D"_s;
    case 10080:
        return u"W"_s;
    default:
        return {};
    }
}

std::optional<qint64> BybitExchange::retCodeOf(const QJsonObject &envelope)
{
    const QJsonValue v = envelope.value(u"retCode"_s);
    if (v.isDouble())
        return qint64(v.toDouble());
    if (v.isString()) {
        bool ok = false;
        const qint64 code = v.toString().toLongLong(&ok);
        if (ok)
            return code;
    }
    return std::nullopt;
}

Error BybitExchange::mapError(const HttpResponse &response)
{
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    const std::optional<qint64> code = retCodeOf(body);
    const QString msg = body.value(u"retMsg"_s).toString();
    const QString text
        = code ? u"Bybit: %1 (retCode %2, HTTP %3)"_s.arg(msg).arg(*code).arg(response.status)
               : u"Bybit answered HTTP %1"_s.arg(response.status);
    const QString detail = fragment(response.body, 0, 300);
    const qint64 retry = HttpClient::retryAfterMs(response);
    switch (response.status) {
    case 403:
        // The IP limit (600 requests in 5 s): "close all HTTP sessions and wait at least 10
        // minutes". Also a US IP or a GET with a body, which waiting does not cure either.
        return Error(Error::Kind::Banned,
                     code ? text : u"Bybit: access too frequent (HTTP 403): this IP is banned for at least 10 minutes"_s,
                     detail, retry > 0 ? retry : kIpBanMs);
    case 429:
        return Error(Error::Kind::RateLimited, text, detail, retry > 0 ? retry : 1000);
    case 401:
        return Error(Error::Kind::Auth, text, detail);
    case 404:
        return Error(Error::Kind::NotFound, text, detail);
    default:
        break;
    }
    if (response.status >= 500)
        return Error(Error::Kind::Upstream, text, detail);
    if (response.status >= 400 && !code)
        return Error(Error::Kind::BadInput, text, detail);
    switch (code.value_or(-1)) {
    case 10006:
    case 10018: {
        // The per-second limit; X-Bapi-Limit-Reset-Timestamp says when it resets.
        bool ok = false;
        const qint64 reset = response.header("x-bapi-limit-reset-timestamp").trimmed().toLongLong(&ok);
        const qint64 wait = ok ? reset - nowMs() : -1;
        return Error(Error::Kind::RateLimited, text, detail,
                     retry > 0 ? retry : (wait > 0 ? std::min<qint64>(wait, 60'000) : 1000));
    }
    case 10001: // request parameter error, "Not supported symbols"
    case 10029: // symbol not in whitelist
    case 170121: // spot: invalid symbol
        return Error(Error::Kind::BadInput, text, detail);
    case 10016: // server error
        return Error(Error::Kind::Upstream, text, detail);
    default:
        break;
    }
    if (response.status >= 400)
        return Error(Error::Kind::BadInput, text, detail);
    return Error(Error::Kind::BadResponse, code ? text : u"Bybit: an answer without retCode"_s,
                 detail);
}

Result<Bars> BybitExchange::parseKlines(const QByteArray &body)
{
    Result<QJsonObject> root = parseJsonObject(body, kProvider, u"Bybit kline"_s);
    if (!root)
        return root.error();
    const std::optional<qint64> code = retCodeOf(*root);
    if (code.value_or(-1) != 0) {
        HttpResponse said;
        said.status = 200;
        said.body = body;
        return mapError(said);
    }
    const QJsonValue list = root->value(u"result"_s).toObject().value(u"list"_s);
    if (!list.isArray())
        return Error(Error::Kind::BadResponse, u"Bybit kline: no result.list array"_s,
                     fragment(body, 0, 300));
    // Newest first: each row must start before the one above it.
    Result<Bars> bars = parseBarRows(
        list.toArray(), u"Bybit kline: malformed or unordered row"_s,
        [](const QJsonArray &row, const Bars &before, Bar &b) {
            const bool ok = row.size() >= 6 && toMs(row.at(0), &b.t) && toNumber(row.at(1), &b.o)
                            && toNumber(row.at(2), &b.h) && toNumber(row.at(3), &b.l)
                            && toNumber(row.at(4), &b.c) && toNumber(row.at(5), &b.v);
            return ok && (before.empty() || b.t < before.back().t);
        });
    if (bars)
        std::reverse(bars->begin(), bars->end());
    return bars;
}

Result<QList<SymbolInfo>> BybitExchange::parseInstruments(const QJsonArray &list,
                                                          const QString &category)
{
    QList<SymbolInfo> out;
    const bool linear = category == u"linear"_s;
    for (const QJsonValue &v : list) {
        const QJsonObject o = v.toObject();
        SymbolInfo s;
        s.native = o.value(u"symbol"_s).toString();
        s.base = o.value(u"baseCoin"_s).toString();
        s.quote = o.value(u"quoteCoin"_s).toString();
        const QString settle = o.value(u"settleCoin"_s).toString();
        if (s.native.isEmpty() || s.base.isEmpty() || s.quote.isEmpty() || (linear && settle.isEmpty()))
            return Error(Error::Kind::BadResponse, u"Bybit instruments-info: malformed instrument"_s,
                         compact(v));
        if (o.value(u"status"_s).toString(u"Trading"_s) != u"Trading"_s)
            continue;
        if (linear) {
            if (o.value(u"contractType"_s).toString() != u"LinearPerpetual"_s)
                continue; // dated futures are other series
            s.symbol = s.base + u'/' + s.quote + u':' + settle;
        } else {
            s.symbol = s.base + u'/' + s.quote;
        }
        out.append(s);
    }
    return out;
}

Result<CryptoExchange::JsonAnswer> BybitExchange::call(const QUrl &url,
                                                       const std::atomic<bool> *cancel,
                                                       int *answered) const
{
    Result<HttpResponse> resp = get(url, 1, cancel);
    if (!resp)
        return resp.error();
    if (answered)
        ++*answered;
    heard(*resp);
    const QJsonObject envelope = QJsonDocument::fromJson(resp->body).object();
    if (!resp->isSuccess() || retCodeOf(envelope).value_or(-1) != 0) {
        Error e = mapError(*resp);
        reportThrottle(e, *resp);
        return e;
    }
    Result<QJsonDocument> doc = parseJson(resp->body, kProvider);
    if (!doc)
        return doc.error();
    return JsonAnswer{std::move(resp->body), std::move(*doc)};
}

Result<QList<SymbolInfo>> BybitExchange::loadMarkets()
{
    QList<SymbolInfo> all;
    QString cursor;
    // The spot list comes whole (limit and cursor ignored); linear pages by nextPageCursor.
    for (int page = 0; page < 100; ++page) {
        QUrlQuery q;
        q.addQueryItem(u"category"_s, m_category);
        q.addQueryItem(u"limit"_s, QString::number(kInstrumentsPage));
        if (!cursor.isEmpty())
            q.addQueryItem(u"cursor"_s, QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
        Result<JsonAnswer> answer = call(endpoint(u"/v5/market/instruments-info"_s, q), nullptr);
        if (!answer)
            return answer.error();
        const QJsonObject result = answer->doc.object().value(u"result"_s).toObject();
        const QJsonValue list = result.value(u"list"_s);
        if (!list.isArray())
            return Error(Error::Kind::BadResponse, u"Bybit instruments-info has no result.list array"_s,
                         fragment(answer->body, 0, 200));
        Result<QList<SymbolInfo>> parsed = parseInstruments(list.toArray(), m_category);
        if (!parsed)
            return parsed.error();
        all += *parsed;
        const QString next = result.value(u"nextPageCursor"_s).toString();
        if (next.isEmpty() || next == cursor || list.toArray().isEmpty())
            return all;
        cursor = next;
    }
    return Error(Error::Kind::BadResponse, u"Bybit instruments-info: paging did not end"_s, cursor);
}

Result<BarBatch> BybitExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                           const SymbolInfo &sym, BarBatch batch)
{
    const QString interval = intervalOf(tf.name());
    qint64 start = tf.bucketStart(request.since);
    if (start < request.since)
        start = tf.bucketEnd(start); // Bybit starts at the next boundary anyway
    qint64 formingStart = tf.bucketStart(nowMs());
    while (start < request.until && start < formingStart) {
        if (request.cancel && request.cancel->load())
            return Error(Error::Kind::Cancelled, u"cancelled"_s);
        formingStart = tf.bucketStart(nowMs());
        const qint64 windowEnd = addBuckets(tf, start, kMaxLimit);
        QUrlQuery q;
        q.addQueryItem(u"category"_s, m_category);
        q.addQueryItem(u"symbol"_s, sym.native);
        q.addQueryItem(u"interval"_s, interval);
        q.addQueryItem(u"start"_s, QString::number(start));
        q.addQueryItem(u"end"_s, QString::number(std::min(windowEnd, request.until) - 1));
        q.addQueryItem(u"limit"_s, QString::number(kMaxLimit));
        Result<JsonAnswer> answer
            = call(endpoint(u"/v5/market/kline"_s, q), request.cancel, &batch.requests);
        if (!answer)
            return answer.error();
        Result<Bars> page = parseKlines(answer->body);
        if (!page)
            return page.error();
        for (const Bar &b : *page) {
            // The window's rows only; the forming candle never.
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

std::unique_ptr<BarStream> BybitExchange::openStream(const QString &symbol, const QString &timeframe)
{
    Result<SeriesTarget> target = checkSeries(symbol, timeframe);
    if (!target)
        return nullptr;
    const QString root = wsRoot(m_settings.testnet ? u"wss://stream-testnet.bybit.com"_s
                                                   : u"wss://stream.bybit.com"_s);
    return std::make_unique<BybitStream>(QUrl(root + u"/v5/public/"_s + m_category), target->symbol.native,
                                         intervalOf(target->timeframe.name()));
}

void BybitExchange::heard(const HttpResponse &response) const
{
    // X-Bapi-Limit: the per-second limit of this endpoint (X-Bapi-Limit-Status is what is
    // left, X-Bapi-Limit-Reset-Timestamp when it resets: mapError() reads it for a 10006).
    // The docs describe them for signed calls only; when they come, the gate holds the
    // limit beside the IP limit (600 per 5 s), which it does not replace.
    RequestGate *g = gate();
    if (!g)
        return;
    bool ok = false;
    const int limit = response.header("x-bapi-limit").trimmed().toInt(&ok);
    if (ok && limit > 0 && m_announcedLimit.exchange(limit) != limit)
        g->announce({RateLimit{RateLimit::Kind::Requests, 1000, limit, RateLimit::Source::Header},
                     RateLimit{RateLimit::Kind::Requests, 5000, 600, RateLimit::Source::Announced}});
}

} // namespace barkeep::crypto
