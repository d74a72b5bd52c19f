// SPDX-License-Identifier: GPL-3.0-or-later
#include "coinbaseexchange.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"Coinbase"_s;

QString isoTime(qint64 ms)
{
    // "Z", not "+00:00": a '+' in a query string may be read back as a space.
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(u"yyyy-MM-dd'T'HH:mm:ss'Z'"_s);
}
} // namespace

CoinbaseExchange::CoinbaseExchange(ProviderSettings settings,
                                   std::shared_ptr<ProviderContext> context)
    : CryptoExchange(settings, std::move(context),
                     settings.testnet ? u"https://api-public.sandbox.exchange.coinbase.com"_s
                                      : u"https://api.exchange.coinbase.com"_s)
{
}

QStringList CoinbaseExchange::timeframes() const
{
    // The only granularities the candles endpoint accepts: 60 300 900 3600 21600 86400 s.
    return {u"1m"_s, u"5m"_s, u"15m"_s, u"1h"_s, u"6h"_s, u"1d"_s};
}

Error CoinbaseExchange::mapError(const HttpResponse &response)
{
    const QString message
        = QJsonDocument::fromJson(response.body).object().value(u"message"_s).toString();
    const QString text = message.isEmpty()
                             ? u"Coinbase answered HTTP %1"_s.arg(response.status)
                             : u"Coinbase: %1 (HTTP %2)"_s.arg(message).arg(response.status);
    const QString detail = fragment(response.body, 0, 300);
    switch (response.status) {
    case 401:
    case 403:
        return Error(Error::Kind::Auth, text, detail);
    case 404:
        return Error(Error::Kind::BadInput, text, detail); // unknown product
    case 418:
        return Error(Error::Kind::Banned, text, detail, HttpClient::retryAfterMs(response));
    case 429: {
        // No Retry-After is documented; the public bucket refills 10 requests per second.
        const qint64 retry = HttpClient::retryAfterMs(response);
        return Error(Error::Kind::RateLimited, text, detail, retry >= 0 ? retry : 1000);
    }
    default:
        break;
    }
    if (response.status >= 500)
        return Error(Error::Kind::Upstream, text, detail);
    if (response.status >= 400)
        return Error(Error::Kind::BadInput, text, detail);
    return Error(Error::Kind::BadResponse, text, detail);
}

Result<Bars> CoinbaseExchange::parseCandles(const QByteArray &body)
{
    Result<QJsonArray> array = parseJsonArray(body, kProvider, u"Coinbase candles"_s);
    if (!array)
        return array.error();
    Result<Bars> bars = parseBarRows(
        *array, u"Coinbase candles: malformed row"_s,
        [](const QJsonArray &row, const Bars &, Bar &b) {
            double time = 0;
            // [time, low, high, open, close, volume]: low before high, open/close after.
            const bool ok = row.size() >= 6 && toNumber(row.at(0), &time)
                            && toNumber(row.at(1), &b.l) && toNumber(row.at(2), &b.h)
                            && toNumber(row.at(3), &b.o) && toNumber(row.at(4), &b.c)
                            && toNumber(row.at(5), &b.v) && isTimeInRange(time * 1000.0);
            if (!ok)
                return false;
            b.t = qint64(time) * 1000;
            return true;
        });
    if (!bars)
        return bars;
    // Rows come newest first (not documented, so sort rather than reverse).
    std::stable_sort(bars->begin(), bars->end(),
                     [](const Bar &a, const Bar &b) { return a.t < b.t; });
    return bars;
}

Result<BarBatch> CoinbaseExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                     const SymbolInfo &sym, BarBatch batch)
{

    const qint64 step = tf.durationMs();
    const QString path = u"/products/%1/candles"_s.arg(sym.native);
    qint64 windowStart = tf.bucketStart(request.since);
    qint64 formingStart = tf.bucketStart(nowMs());
    // 299 buckets per window: whether `end` is inclusive is not documented, and both readings
    // of a 299-bucket span stay within the 300 limit. A bucket at `end` (inclusive reading)
    // is dropped here and fetched as the first of the next window.
    constexpr int kWindow = kMaxBuckets - 1;
    while (windowStart < request.until && windowStart < formingStart) {
        if (request.cancel && request.cancel->load())
            return Error(Error::Kind::Cancelled, u"cancelled"_s);
        const qint64 windowEnd = windowStart + kWindow * step;
        formingStart = tf.bucketStart(nowMs());
        QUrlQuery q;
        q.addQueryItem(u"granularity"_s, QString::number(step / 1000));
        q.addQueryItem(u"start"_s, isoTime(windowStart));
        q.addQueryItem(u"end"_s, isoTime(windowEnd));
        Result<Bars> page
            = getBars(endpoint(path, q), 1, request.cancel, &mapError, &parseCandles, batch);
        if (!page)
            return page.error();
        if (std::optional<Error> refused = checkPage(*page, tf))
            return *refused;
        for (const Bar &b : *page) {
            // The answer may hold buckets before `start`, and the forming one.
            if (b.t < windowStart || b.t >= windowEnd || b.t < request.since || b.t >= request.until
                || b.t >= formingStart)
                continue;
            if (!batch.bars.empty() && b.t <= batch.bars.back().t)
                continue;
            batch.bars.push_back(b);
        }
        windowStart = windowEnd;
    }
    batch.covered.to = qMax(request.since, qMin(request.until, formingStart));
    return batch;
}

Result<QList<SymbolInfo>> CoinbaseExchange::loadMarkets()
{
    Result<JsonAnswer> answer = getJson(endpoint(u"/products"_s), 1, kProvider, &mapError);
    if (!answer)
        return answer.error();
    if (!answer->doc.isArray())
        return Error(Error::Kind::BadResponse, u"Coinbase products: expected an array"_s,
                     fragment(answer->body, 0, 200));
    return parseMarkets(answer->doc.array(), {u"id"_s, u"base_currency"_s, u"quote_currency"_s},
                        u"Coinbase products: malformed product"_s);
}

} // namespace barkeep::crypto
