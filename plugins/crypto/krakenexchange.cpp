// SPDX-License-Identifier: GPL-3.0-or-later
#include "krakenexchange.h"

#include "krakenstream.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"Kraken"_s;
// Kraken refuses for "a few seconds" when throttled; without a header, suggest this wait.
constexpr qint64 kThrottleWaitMs = 3000;
constexpr qint64 kLockoutWaitMs = 15 * 60 * 1000;
} // namespace

KrakenExchange::KrakenExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context)
    : CryptoExchange(std::move(settings), std::move(context), u"https://api.kraken.com"_s)
{
}

QStringList KrakenExchange::timeframes() const
{
    // Kraken intervals 1 5 15 30 60 240 1440 (10080 and 21600 are left out: their bucket
    // alignment is not documented).
    return {u"1m"_s, u"5m"_s, u"15m"_s, u"30m"_s, u"1h"_s, u"4h"_s, u"1d"_s};
}

QString KrakenExchange::commonAsset(QString code)
{
    code = code.toUpper();
    if (code == u"XBT"_s || code == u"XXBT"_s)
        return u"BTC"_s;
    if (code == u"XDG"_s || code == u"XXDG"_s)
        return u"DOGE"_s;
    // Legacy four-letter codes: XETH, ZUSD, ZEUR ... (X = crypto, Z = fiat).
    if (code.size() == 4 && (code.startsWith(u'X') || code.startsWith(u'Z')))
        return code.mid(1);
    return code;
}

Error KrakenExchange::mapErrors(const QStringList &errors, const QByteArray &body)
{
    const QString first = errors.value(0);
    const QString text = u"Kraken: %1"_s.arg(errors.join(u"; "_s));
    const QString detail = fragment(body, 0, 300);
    if (first.startsWith(u"EGeneral:Too many requests"_s)
        || first.startsWith(u"EAPI:Rate limit exceeded"_s))
        return Error(Error::Kind::RateLimited, text, detail, kThrottleWaitMs);
    if (first.startsWith(u"EGeneral:Temporary lockout"_s))
        return Error(Error::Kind::Banned, text, detail, kLockoutWaitMs);
    if (first.startsWith(u"EQuery:Unknown asset pair"_s))
        return Error(Error::Kind::BadInput, text, detail);
    if (first.startsWith(u"EGeneral:Invalid arguments"_s))
        return Error(Error::Kind::BadInput, text, detail);
    if (first.startsWith(u"EAPI:Invalid key"_s)
        || first.startsWith(u"EGeneral:Permission denied"_s))
        return Error(Error::Kind::Auth, text, detail);
    if (first.startsWith(u"EService:"_s))
        return Error(Error::Kind::Upstream, text, detail);
    return Error(Error::Kind::BadResponse, text, detail);
}

QStringList KrakenExchange::errorsOf(const QJsonObject &root)
{
    QStringList errors;
    for (const QJsonValue &e : root.value(u"error"_s).toArray())
        if (e.toString().startsWith(u'E'))
            errors << e.toString(); // W... strings are warnings
    return errors;
}

Error KrakenExchange::mapHttpError(const HttpResponse &response)
{
    const QJsonArray errs
        = QJsonDocument::fromJson(response.body).object().value(u"error"_s).toArray();
    if (!errs.isEmpty() && response.status < 500 && response.status != 429) {
        QStringList list;
        for (const QJsonValue &e : errs)
            list << e.toString();
        return mapErrors(list, response.body);
    }
    return HttpClient::statusError(response, kProvider);
}

Result<KrakenExchange::OhlcPage> KrakenExchange::parseOhlc(const QByteArray &body,
                                                           const QString &pairKey)
{
    Result<QJsonDocument> doc = parseJson(body, kProvider);
    if (!doc)
        return doc.error();
    const QJsonObject root = doc->object();
    if (!doc->isObject() || !root.value(u"error"_s).isArray())
        return Error(Error::Kind::BadResponse, u"Kraken OHLC: no error array"_s,
                     fragment(body, 0, 300));
    const QStringList errors = errorsOf(root);
    if (!errors.isEmpty())
        return mapErrors(errors, body);
    const QJsonObject result = root.value(u"result"_s).toObject();
    QJsonValue rowsValue = result.value(pairKey);
    if (rowsValue.isUndefined()) {
        for (auto it = result.begin(); it != result.end(); ++it)
            if (it.key() != u"last"_s) {
                rowsValue = it.value();
                break;
            }
    }
    if (!rowsValue.isArray())
        return Error(Error::Kind::BadResponse, u"Kraken OHLC: no rows for %1"_s.arg(pairKey),
                     fragment(body, 0, 300));
    OhlcPage page;
    // `last` is an integer in Kraken's docs and a string in recorded answers: take both.
    double last = 0;
    if (toNumber(result.value(u"last"_s), &last))
        page.last = qint64(last);
    Result<Bars> rows = parseBarRows(
        rowsValue.toArray(), u"Kraken OHLC: malformed or unordered row"_s,
        [&page](const QJsonArray &row, const Bars &before, Bar &b) {
            // [time s, open, high, low, close, vwap, volume, count]
            double time = 0;
            const bool ok = row.size() >= 8 && row.at(0).isDouble()
                            && toNumber(row.at(0), &time) && isTimeInRange(time * 1000.0)
                            && toNumber(row.at(1), &b.o)
                            && toNumber(row.at(2), &b.h) && toNumber(row.at(3), &b.l)
                            && toNumber(row.at(4), &b.c) && toNumber(row.at(6), &b.v)
                            && row.at(7).isDouble()
                            && (before.empty() || qint64(time) * 1000 > before.back().t);
            if (!ok)
                return false;
            b.t = qint64(time) * 1000;
            page.counts.append(row.at(7).toInt());
            return true;
        });
    if (!rows)
        return rows.error();
    page.rows = std::move(*rows);
    return page;
}

Result<BarBatch> KrakenExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                     const SymbolInfo &sym, BarBatch batch)
{

    const qint64 formingStart = tf.bucketStart(nowMs());
    QUrlQuery q;
    q.addQueryItem(u"pair"_s, sym.native);
    q.addQueryItem(u"interval"_s, QString::number(tf.minuteCount()));
    // `since` reads as exclusive; one second earlier keeps the bar at `since`.
    if (request.since > 0)
        q.addQueryItem(u"since"_s, QString::number(request.since / 1000 - 1));
    Result<HttpResponse> resp = get(endpoint(u"/0/public/OHLC"_s, q), 1, request.cancel);
    if (!resp)
        return resp.error();
    batch.requests = 1;
    if (!resp->isSuccess()) {
        Error e = mapHttpError(*resp);
        reportThrottle(e, *resp);
        return e;
    }
    Result<OhlcPage> page = parseOhlc(resp->body, sym.native);
    if (!page) {
        // EGeneral:Too many requests comes in an HTTP 200 body: the gate must hear it.
        reportThrottle(page.error(), *resp);
        return page.error();
    }
    const Bars &rows = page->rows;
    // Kraken lists every interval, empty ones too: its whole answer is one page to check.
    if (std::optional<Error> refused = checkPage(rows, tf))
        return *refused;
    if (rows.size() < 2)
        return batch; // only the forming row (or nothing): no final bar to report

    // The last row is the forming interval: always dropped. What Kraken still holds starts
    // at its first row; older history is out of reach and stays uncovered (never looped for).
    const qint64 committedEnd = qMin(rows.back().t, formingStart);
    const qint64 from = qMax(request.since, rows.front().t);
    const qint64 to = qMin(request.until, committedEnd);
    if (to <= from)
        return batch;
    batch.covered = {from, to};
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
        const Bar &b = rows[i];
        // Zero-trade rows (count 0, no volume) are "no trades": no bar, as at the other
        // exchanges, while their bucket stays covered.
        if (!batch.covered.contains(b.t) || (page->counts.at(qsizetype(i)) == 0 && b.v == 0))
            continue;
        batch.bars.push_back(b);
    }
    return batch;
}

Result<KrakenExchange::WsMessage> KrakenExchange::parseWsMessage(const QByteArray &message)
{
    const QString context = u"Kraken ohlc stream"_s;
    Result<QJsonObject> object = parseJsonObject(message, kProvider, context);
    if (!object)
        return object.error();
    auto bad = [&message, &context](const QString &why) {
        return Error(Error::Kind::BadResponse, context + u": "_s + why, fragment(message, 0, 300));
    };
    const QJsonObject o = *object;
    WsMessage out;
    const QString method = o.value(u"method"_s).toString();
    if (!method.isEmpty()) {
        if (method != u"subscribe"_s)
            return out; // unsubscribe or pong answers: nothing for the stream
        const QJsonValue success = o.value(u"success"_s);
        if (!success.isBool())
            return bad(u"subscribe answer without 'success'"_s);
        if (!success.toBool())
            return Error(Error::Kind::Upstream,
                         u"Kraken refused the ohlc subscription: %1"_s.arg(
                             o.value(u"error"_s).toString(u"no reason given"_s)),
                         fragment(message, 0, 300));
        const QJsonObject result = o.value(u"result"_s).toObject();
        if (result.value(u"channel"_s).toString() != u"ohlc"_s
            || !result.value(u"symbol"_s).isString())
            return bad(u"subscribe answer without its channel and symbol"_s);
        out.type = WsMessage::Type::Ack;
        out.ackSymbol = result.value(u"symbol"_s).toString();
        return out;
    }
    const QString channel = o.value(u"channel"_s).toString();
    if (channel.isEmpty())
        return bad(u"neither a method answer nor a channel message"_s);
    if (channel != u"ohlc"_s)
        return out; // status, heartbeat, …
    const QString type = o.value(u"type"_s).toString();
    if (type == u"snapshot"_s)
        out.type = WsMessage::Type::Snapshot;
    else if (type == u"update"_s)
        out.type = WsMessage::Type::Update;
    else
        return bad(u"unknown message type '%1'"_s.arg(type));
    const QJsonValue data = o.value(u"data"_s);
    if (!data.isArray())
        return bad(u"'data' is not an array"_s);
    for (const QJsonValue &v : data.toArray()) {
        const QJsonObject c = v.toObject();
        WsCandle candle;
        candle.symbol = c.value(u"symbol"_s).toString();
        if (!v.isObject() || candle.symbol.isEmpty())
            return bad(u"a candle without its symbol"_s);
        // Prices and volume are JSON numbers here (unlike the REST strings).
        const char *fields[] = {"open", "high", "low", "close", "volume"};
        double *targets[] = {&candle.bar.o, &candle.bar.h, &candle.bar.l, &candle.bar.c, &candle.bar.v};
        for (int i = 0; i < 5; ++i) {
            const QJsonValue f = c.value(QLatin1String(fields[i]));
            if (!f.isDouble() || !std::isfinite(f.toDouble()))
                return bad(u"candle field '%1' missing or not a number"_s.arg(QLatin1String(fields[i])));
            *targets[i] = f.toDouble();
        }
        if (candle.bar.h < candle.bar.l || candle.bar.v < 0)
            return bad(u"candle high below low or negative volume"_s);
        const QJsonValue interval = c.value(u"interval"_s);
        if (!interval.isDouble() || interval.toDouble() < 1 || interval.toDouble() > 43200
            || interval.toDouble() != double(interval.toInt()))
            return bad(u"candle 'interval' missing or not a whole number of minutes"_s);
        candle.interval = interval.toInt();
        // interval_begin, not the deprecated timestamp (its doc example is the end).
        const std::optional<qint64> begin = parseRfc3339(c.value(u"interval_begin"_s).toString());
        if (!begin || !isTimeInRange(double(*begin)))
            return bad(u"candle 'interval_begin' missing or not an RFC-3339 time"_s);
        if (*begin % (qint64(candle.interval) * kMinuteMs) != 0 && candle.interval <= 1440)
            return bad(u"candle 'interval_begin' not aligned to its interval"_s);
        candle.bar.t = *begin;
        candle.trades = c.value(u"trades"_s).toInt();
        out.candles.append(candle);
    }
    return out;
}

std::unique_ptr<BarStream> KrakenExchange::openStream(const QString &symbol,
                                                      const QString &timeframe)
{
    Result<SeriesTarget> target = checkSeries(symbol, timeframe);
    if (!target)
        return nullptr;
    const int minutes = int(target->timeframe.minuteCount());
    const QUrl url(wsRoot(u"wss://ws.kraken.com"_s) + u"/v2"_s);
    // WS v2 names pairs BASE/QUOTE in common codes (BTC/USD), the unified form.
    return std::make_unique<KrakenStream>(url, target->symbol.symbol, minutes);
}

Result<QList<SymbolInfo>> KrakenExchange::loadMarkets()
{
    Result<JsonAnswer> answer
        = getJson(endpoint(u"/0/public/AssetPairs"_s), 1, kProvider, &mapHttpError);
    if (!answer)
        return answer.error();
    const QJsonObject root = answer->doc.object();
    const QStringList errors = errorsOf(root);
    if (!errors.isEmpty()) {
        Error e = mapErrors(errors, answer->body);
        HttpResponse said;
        said.status = 200;
        reportThrottle(e, said);
        return e;
    }
    const QJsonValue result = root.value(u"result"_s);
    if (!result.isObject())
        return Error(Error::Kind::BadResponse, u"Kraken AssetPairs: no result object"_s,
                     fragment(answer->body, 0, 200));
    QList<SymbolInfo> out;
    const QJsonObject pairs = result.toObject();
    for (auto it = pairs.begin(); it != pairs.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        SymbolInfo s;
        s.native = it.key();
        const QStringList ws = o.value(u"wsname"_s).toString().split(u'/');
        if (ws.size() == 2) {
            s.base = commonAsset(ws[0]);
            s.quote = commonAsset(ws[1]);
        } else {
            s.base = commonAsset(o.value(u"base"_s).toString());
            s.quote = commonAsset(o.value(u"quote"_s).toString());
        }
        if (s.base.isEmpty() || s.quote.isEmpty())
            return Error(Error::Kind::BadResponse, u"Kraken AssetPairs: malformed pair"_s,
                         compact(it.value()));
        s.symbol = s.base + u'/' + s.quote;
        m_aliases.insert(s.native,
                         {o.value(u"altname"_s).toString(), o.value(u"wsname"_s).toString()});
        out.append(s);
    }
    return out;
}

QStringList KrakenExchange::aliasesOf(const SymbolInfo &info) const
{
    QStringList names = m_aliases.value(info.native);
    names.removeAll(QString());
    return names;
}

} // namespace barkeep::crypto
