// SPDX-License-Identifier: GPL-3.0-or-later
#include "cryptoexchange.h"

#include "wirecheck.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

CryptoExchange::CryptoExchange(ProviderSettings settings, std::shared_ptr<ProviderContext> context,
                               QString defaultBaseUrl)
    : m_settings(std::move(settings))
    , m_context(std::move(context))
{
    m_baseUrl = m_settings.baseUrl.isEmpty() ? defaultBaseUrl : m_settings.baseUrl;
    while (m_baseUrl.endsWith(u'/'))
        m_baseUrl.chop(1);
    if (!m_context)
        m_context = std::make_shared<ProviderContext>();
}

QString CryptoExchange::wsRoot(const QString &fallback) const
{
    QString root = m_settings.wsUrl.isEmpty() ? fallback : m_settings.wsUrl;
    while (root.endsWith(u'/'))
        root.chop(1);
    return root;
}

Result<QList<SymbolInfo>> CryptoExchange::symbols()
{
    std::lock_guard lock(m_marketsMutex);
    if (m_markets)
        return *m_markets;
    Result<QList<SymbolInfo>> loaded = loadMarkets();
    if (!loaded)
        return loaded.error(); // not cached: the next call tries again
    m_markets = loaded.value();
    m_byName.clear();
    for (qsizetype i = 0; i < m_markets->size(); ++i) {
        m_byName.insert(m_markets->at(i).symbol.toUpper(), i);
        m_byName.insert(m_markets->at(i).native.toUpper(), i);
        for (const QString &alias : aliasesOf(m_markets->at(i)))
            m_byName.insert(alias.toUpper(), i);
    }
    return *m_markets;
}

Result<SymbolInfo> CryptoExchange::resolve(const QString &symbol)
{
    Result<QList<SymbolInfo>> all = symbols();
    if (!all)
        return all.error();
    std::lock_guard lock(m_marketsMutex);
    const auto it = m_byName.constFind(symbol.trimmed().toUpper());
    if (it == m_byName.cend())
        return Error(Error::Kind::BadInput, u"%1 has no symbol '%2'"_s.arg(providerId(), symbol));
    return m_markets->at(*it);
}

qint64 CryptoExchange::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString CryptoExchange::fragment(const QByteArray &body, qsizetype at, qsizetype span)
{
    const qsizetype from = qMax<qsizetype>(0, at - span / 2);
    return QString::fromUtf8(body.mid(from, span));
}

Result<QJsonDocument> CryptoExchange::parseJson(const QByteArray &body, const QString &provider)
{
    QJsonParseError err;
    QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error != QJsonParseError::NoError)
        return Error(Error::Kind::BadResponse,
                     u"%1 sent malformed JSON: %2 at offset %3"_s.arg(provider, err.errorString())
                         .arg(err.offset),
                     fragment(body, err.offset));
    return doc;
}

Result<QJsonObject> CryptoExchange::parseJsonObject(const QByteArray &body,
                                                    const QString &provider, const QString &what)
{
    Result<QJsonDocument> doc = parseJson(body, provider);
    if (!doc)
        return doc.error();
    if (!doc->isObject())
        return Error(Error::Kind::BadResponse, what + u": expected an object"_s,
                     fragment(body, 0, 300));
    return doc->object();
}

Result<QJsonArray> CryptoExchange::parseJsonArray(const QByteArray &body, const QString &provider,
                                                  const QString &what)
{
    Result<QJsonDocument> doc = parseJson(body, provider);
    if (!doc)
        return doc.error();
    if (!doc->isArray())
        return Error(Error::Kind::BadResponse, what + u": expected an array"_s,
                     fragment(body, 0, 300));
    return doc->array();
}

QString CryptoExchange::compact(const QJsonValue &value)
{
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return value.toVariant().toString();
}

std::optional<qint64> CryptoExchange::parseRfc3339(QStringView text)
{
    // Strict by hand: QDateTime's ISO parser takes at most milliseconds, Kraken sends ns.
    auto charAt = [&text](qsizetype i) { return i < text.size() ? text[i] : QChar(); };
    auto digits = [&text](qsizetype at, qsizetype n, int *out) {
        if (at + n > text.size())
            return false;
        int v = 0;
        for (qsizetype i = at; i < at + n; ++i) {
            if (!text[i].isDigit() || text[i].unicode() > 127)
                return false;
            v = v * 10 + (text[i].unicode() - '0');
        }
        *out = v;
        return true;
    };
    int y, mo, d, h, mi, sec;
    if (!digits(0, 4, &y) || charAt(4) != u'-' || !digits(5, 2, &mo) || charAt(7) != u'-'
        || !digits(8, 2, &d) || (charAt(10) != u'T' && charAt(10) != u't')
        || !digits(11, 2, &h) || charAt(13) != u':' || !digits(14, 2, &mi)
        || charAt(16) != u':' || !digits(17, 2, &sec))
        return std::nullopt;
    qsizetype at = 19;
    int millis = 0;
    if (charAt(at) == u'.') {
        qsizetype n = 0;
        for (++at; at < text.size() && text[at].isDigit() && text[at].unicode() < 128; ++at, ++n)
            if (n < 3)
                millis = millis * 10 + (text[at].unicode() - '0');
        if (n == 0)
            return std::nullopt;
        for (; n < 3; ++n)
            millis *= 10;
    }
    int offsetMin = 0;
    if (charAt(at) == u'Z' || charAt(at) == u'z') {
        ++at;
    } else if (charAt(at) == u'+' || charAt(at) == u'-') {
        int oh, om;
        if (!digits(at + 1, 2, &oh) || charAt(at + 3) != u':' || !digits(at + 4, 2, &om)
            || oh > 23 || om > 59)
            return std::nullopt;
        offsetMin = (text[at] == u'-' ? -1 : 1) * (oh * 60 + om);
        at += 6;
    } else {
        return std::nullopt;
    }
    const QDate date(y, mo, d);
    if (at != text.size() || !date.isValid() || h > 23 || mi > 59 || sec > 59)
        return std::nullopt;
    return (date.toJulianDay() - 2440588) * kDayMs + h * kHourMs + mi * kMinuteMs
           + sec * 1000LL + millis - offsetMin * kMinuteMs;
}

bool CryptoExchange::toNumber(const QJsonValue &value, double *out)
{
    if (value.isDouble()) {
        *out = value.toDouble();
        return std::isfinite(*out);
    }
    if (value.isString()) {
        bool ok = false;
        *out = value.toString().toDouble(&ok);
        return ok && std::isfinite(*out);
    }
    return false;
}

Result<Timeframe> CryptoExchange::checkTimeframe(const QString &name) const
{
    Result<Timeframe> tf = Timeframe::parse(name);
    if (!tf || !timeframes().contains(tf->name()))
        return Error(Error::Kind::Unsupported,
                     u"%1 does not offer the timeframe '%2' (it has %3)"_s.arg(
                         providerId(), name, timeframes().join(u' ')));
    return tf;
}

Result<CryptoExchange::SeriesTarget> CryptoExchange::checkSeries(const QString &symbol,
                                                                 const QString &timeframe)
{
    Result<Timeframe> tf = checkTimeframe(timeframe);
    if (!tf)
        return tf.error();
    Result<SymbolInfo> sym = resolve(symbol);
    if (!sym)
        return sym.error();
    return SeriesTarget{*tf, *sym};
}

Result<BarBatch> CryptoExchange::fetchBars(const BarRequest &request)
{
    Result<SeriesTarget> target = checkSeries(request.symbol, request.timeframe);
    if (!target)
        return target.error();
    BarBatch batch;
    batch.covered = {request.since, request.since};
    if (request.until <= request.since)
        return batch;
    Result<BarBatch> fetched
        = fetchPages(request, target->timeframe, target->symbol, std::move(batch));
    if (fetched) {
        // Pages are checked as they come where an exchange can (checkPage()); the whole
        // answer once more here, for every exchange: a few rows per page can be spaced by
        // chance, the rows of many pages cannot.
        if (std::optional<Error> refused = checkPage(fetched->bars, target->timeframe))
            return *refused;
    }
    return fetched;
}

std::optional<Error> CryptoExchange::checkPage(const Bars &rows, const Timeframe &tf) const
{
    const std::optional<QString> problem = wire::spacingProblem(rows, tf);
    if (!problem)
        return std::nullopt;
    return Error(Error::Kind::BadResponse, wire::refusal(providerId(), tf, *problem));
}

QUrl CryptoExchange::endpoint(const QString &path, const QUrlQuery &query) const
{
    QUrl url(m_baseUrl + path);
    if (!query.isEmpty())
        url.setQuery(query);
    return url;
}

Result<HttpResponse> CryptoExchange::get(const QUrl &url, int weight,
                                         const std::atomic<bool> *cancel,
                                         QList<QPair<QByteArray, QByteArray>> headers) const
{
    HttpRequest request;
    request.url = url;
    request.weight = weight;
    request.cancel = cancel;
    request.headers = std::move(headers);
    request.headers.append(qMakePair(QByteArray("Accept"), QByteArray("application/json")));
    return m_context->http.get(request);
}

Result<CryptoExchange::JsonAnswer> CryptoExchange::getJson(
    const QUrl &url, int weight, const QString &provider,
    Error (*mapError)(const HttpResponse &)) const
{
    Result<HttpResponse> resp = get(url, weight, nullptr);
    if (!resp)
        return resp.error();
    heard(*resp);
    if (!resp->isSuccess()) {
        Error e = mapError(*resp);
        reportThrottle(e, *resp);
        return e;
    }
    Result<QJsonDocument> doc = parseJson(resp->body, provider);
    if (!doc)
        return doc.error();
    return JsonAnswer{std::move(resp->body), std::move(*doc)};
}

Result<Bars> CryptoExchange::getBars(const QUrl &url, int weight, const std::atomic<bool> *cancel,
                                     Error (*mapError)(const HttpResponse &),
                                     const std::function<Result<Bars>(const QByteArray &)> &parse,
                                     BarBatch &batch) const
{
    Result<HttpResponse> resp = get(url, weight, cancel);
    if (!resp)
        return resp.error();
    ++batch.requests;
    heard(*resp);
    if (!resp->isSuccess()) {
        Error e = mapError(*resp);
        reportThrottle(e, *resp);
        return e;
    }
    Result<Bars> bars = parse(resp->body);
    if (!bars)
        reportThrottle(bars.error(), *resp);
    return bars;
}

void CryptoExchange::reportThrottle(const Error &error, const HttpResponse &response) const
{
    RequestGate *g = gate();
    if (!g || response.status == 429 || response.status == 418)
        return;
    if (error.kind() == Error::Kind::RateLimited || error.kind() == Error::Kind::Banned)
        g->throttled(error.retryAfterMs() > 0 ? error.retryAfterMs() : -1, error.message());
}

Result<QList<SymbolInfo>> CryptoExchange::parseMarkets(const QJsonArray &list,
                                                       const MarketKeys &keys,
                                                       const QString &malformed)
{
    QList<SymbolInfo> out;
    for (const QJsonValue &v : list) {
        const QJsonObject o = v.toObject();
        SymbolInfo s;
        s.native = o.value(keys.native).toString();
        s.base = o.value(keys.base).toString();
        s.quote = o.value(keys.quote).toString();
        if (s.native.isEmpty() || s.base.isEmpty() || s.quote.isEmpty())
            return Error(Error::Kind::BadResponse, malformed, compact(v));
        s.symbol = s.base + u'/' + s.quote;
        out.append(s);
    }
    return out;
}

} // namespace barkeep::crypto
