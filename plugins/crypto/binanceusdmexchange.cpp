// SPDX-License-Identifier: GPL-3.0-or-later
#include "binanceusdmexchange.h"

#include "binanceexchange.h"
#include "binancestream.h"

#include <QDate>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
const QString kProvider = u"Binance USD-M"_s;

// Binance's {code,msg} errors read the same on fapi; only the name in the text differs.
Error mapError(const HttpResponse &response)
{
    Error e = BinanceExchange::mapError(response);
    QString text = e.message();
    if (text.startsWith(u"Binance"_s))
        text.replace(0, 7, kProvider);
    return Error(e.kind(), text, e.detail(), e.retryAfterMs());
}
} // namespace

BinanceUsdmExchange::BinanceUsdmExchange(ProviderSettings settings,
                                         std::shared_ptr<ProviderContext> context)
    : CryptoExchange(settings, std::move(context),
                     settings.testnet ? u"https://demo-fapi.binance.com"_s
                                      : u"https://fapi.binance.com"_s)
{
    m_archiveUrl = m_settings.archiveUrl.isEmpty() ? u"https://data.binance.vision"_s
                                                   : m_settings.archiveUrl;
    while (m_archiveUrl.endsWith(u'/'))
        m_archiveUrl.chop(1);
}

QStringList BinanceUsdmExchange::timeframes() const
{
    // fapi's intervals 1m … 1M (no 1s), all of Barkeep's named timeframes.
    return Timeframe::standardNames();
}

int BinanceUsdmExchange::klinesWeight(int limit)
{
    if (limit < 100)
        return 1;
    if (limit < 500)
        return 2;
    if (limit <= 1000)
        return 5;
    return 10;
}

Result<QList<SymbolInfo>> BinanceUsdmExchange::parseSymbols(const QJsonArray &symbols)
{
    QList<SymbolInfo> out;
    for (const QJsonValue &v : symbols) {
        const QJsonObject o = v.toObject();
        SymbolInfo s;
        s.native = o.value(u"symbol"_s).toString();
        s.base = o.value(u"baseAsset"_s).toString();
        s.quote = o.value(u"quoteAsset"_s).toString();
        const QString margin = o.value(u"marginAsset"_s).toString();
        if (s.native.isEmpty() || s.base.isEmpty() || s.quote.isEmpty() || margin.isEmpty())
            return Error(Error::Kind::BadResponse, u"Binance USD-M exchangeInfo: malformed symbol"_s,
                         compact(v));
        if (o.value(u"contractType"_s).toString() != u"PERPETUAL"_s
            || o.value(u"status"_s).toString(u"TRADING"_s) != u"TRADING"_s)
            continue;
        s.symbol = s.base + u'/' + s.quote + u':' + margin;
        out.append(s);
    }
    return out;
}

Result<QList<SymbolInfo>> BinanceUsdmExchange::loadMarkets()
{
    Result<JsonAnswer> answer = getJson(endpoint(u"/fapi/v1/exchangeInfo"_s), kExchangeInfoWeight,
                                        kProvider, &mapError);
    if (!answer)
        return answer.error();
    if (RequestGate *g = gate())
        g->announce(BinanceExchange::parseRateLimits(
            answer->doc.object().value(u"rateLimits"_s).toArray()));
    const QJsonValue list = answer->doc.object().value(u"symbols"_s);
    if (!list.isArray())
        return Error(Error::Kind::BadResponse, u"Binance USD-M exchangeInfo has no symbols array"_s,
                     fragment(answer->body, 0, 200));
    return parseSymbols(list.toArray());
}

Result<BarBatch> BinanceUsdmExchange::fetchPages(const BarRequest &request, const Timeframe &tf,
                                                 const SymbolInfo &sym, BarBatch batch)
{
    qint64 start = request.since;
    qint64 formingStart = request.until;
    for (;;) {
        if (request.cancel && request.cancel->load())
            return Error(Error::Kind::Cancelled, u"cancelled"_s);
        refreshLimits(request.cancel);
        formingStart = tf.bucketStart(nowMs());
        QUrlQuery q;
        q.addQueryItem(u"symbol"_s, sym.native);
        q.addQueryItem(u"interval"_s, tf.name());
        q.addQueryItem(u"startTime"_s, QString::number(start));
        q.addQueryItem(u"endTime"_s, QString::number(request.until - 1));
        q.addQueryItem(u"limit"_s, QString::number(kMaxLimit));
        Result<Bars> page = getBars(endpoint(u"/fapi/v1/klines"_s, q), klinesWeight(kMaxLimit),
                                    request.cancel, &mapError, &BinanceExchange::parseKlines, batch);
        if (!page)
            return page.error();
        for (const Bar &b : *page) {
            if (b.t < request.since || b.t >= request.until || b.t >= formingStart)
                continue;
            if (!batch.bars.empty() && b.t <= batch.bars.back().t)
                continue;
            batch.bars.push_back(b);
        }
        if (page->size() < std::size_t(kMaxLimit))
            break;
        const qint64 next = tf.bucketEnd(page->back().t);
        if (next <= start)
            return Error(Error::Kind::BadResponse,
                         u"Binance USD-M klines: paging did not advance"_s,
                         QString::number(page->back().t));
        if (next >= request.until || page->back().t >= formingStart)
            break;
        start = next;
    }
    batch.covered.to = qMax(request.since, qMin(request.until, formingStart));
    return batch;
}

Result<BarBatch> BinanceUsdmExchange::fetchArchiveMonth(const QString &symbol, int year, int month)
{
    Result<SymbolInfo> sym = resolve(symbol);
    if (!sym)
        return sym.error();
    // The same archive layout as spot, under data/futures/um; a static file host outside the
    // REST weight budget: weight 0.
    return BinanceExchange::fetchArchiveMonthFrom(
        [this](const QUrl &url) { return get(url, 0, nullptr); },
        u"%1/data/futures/um/monthly/klines/%2/1m/"_s.arg(m_archiveUrl, sym->native), sym->native,
        year, month, u"Binance USD-M archive"_s);
}

std::unique_ptr<BarStream> BinanceUsdmExchange::openStream(const QString &symbol,
                                                           const QString &timeframe)
{
    Result<SeriesTarget> target = checkSeries(symbol, timeframe);
    if (!target)
        return nullptr;
    // Klines moved to the routed /market path in 2026; providers.binanceusdm.wsUrl replaces
    // the whole root (a fake, or the legacy wss://fstream.binance.com).
    const QString root = wsRoot(m_settings.testnet ? u"wss://fstream.binancefuture.com"_s
                                                   : u"wss://fstream.binance.com/market"_s);
    const QUrl url(root + u"/ws/"_s + target->symbol.native.toLower() + u"@kline_"_s
                   + target->timeframe.name());
    return std::make_unique<BinanceStream>(url, target->symbol.native);
}

void BinanceUsdmExchange::heard(const HttpResponse &response) const
{
    if (response.status != 429 && response.status != 418)
        return;
    if (RequestGate *g = gate())
        if (const std::optional<RateLimit> l = BinanceExchange::limitStatedIn(response.body))
            g->announce({*l});
}

void BinanceUsdmExchange::refreshLimits(const std::atomic<bool> *cancel)
{
    RequestGate *g = gate();
    if (!g || !g->limitsStale() || nowMs() < m_nextRefreshMs.load())
        return;
    std::unique_lock lock(m_refreshMutex, std::try_to_lock);
    if (!lock.owns_lock() || !g->limitsStale())
        return;
    m_nextRefreshMs = nowMs() + kRefreshSpacingMs;
    // fapi's exchangeInfo takes no symbol and weighs 1.
    Result<HttpResponse> resp = get(endpoint(u"/fapi/v1/exchangeInfo"_s), kExchangeInfoWeight, cancel);
    if (!resp || !resp->isSuccess())
        return;
    g->announce(BinanceExchange::parseRateLimits(
        QJsonDocument::fromJson(resp->body).object().value(u"rateLimits"_s).toArray()));
}

} // namespace barkeep::crypto
