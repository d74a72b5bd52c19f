// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacaplugin.h"

#include "alpacastream.h"
#include "wirecheck.h"

#include "log/logging.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QUrl>

#include <algorithm>

namespace barkeep {

using namespace alpaca;

namespace {

QString rootUrl(const QString &configured, const QString &fallback)
{
    QString url = configured.trimmed().isEmpty() ? fallback : configured.trimmed();
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
}

int monthKey(QDate d) { return d.year() * 12 + d.month() - 1; }
QDate monthStart(int key) { return QDate(key / 12, key % 12 + 1, 1); }

Error cancelled() { return Error(Error::Kind::Cancelled, QStringLiteral("fetch cancelled")); }

} // namespace

QStringList AlpacaPlugin::cryptoSymbols()
{
    return {QStringLiteral("AAVE/USD"), QStringLiteral("AVAX/USD"), QStringLiteral("BCH/USD"),
            QStringLiteral("BTC/USD"),  QStringLiteral("BTC/USDC"), QStringLiteral("BTC/USDT"),
            QStringLiteral("DOGE/USD"), QStringLiteral("DOT/USD"),  QStringLiteral("ETH/BTC"),
            QStringLiteral("ETH/USD"),  QStringLiteral("ETH/USDC"), QStringLiteral("ETH/USDT"),
            QStringLiteral("LINK/USD"), QStringLiteral("LTC/USD"),  QStringLiteral("SOL/USD"),
            QStringLiteral("UNI/USD")};
}

AlpacaPlugin::AlpacaPlugin(ProviderSettings settings, std::shared_ptr<ProviderContext> context)
    : m_settings(std::move(settings)),
      m_context(context ? std::move(context) : std::make_shared<ProviderContext>()),
      m_dataUrl(rootUrl(m_settings.baseUrl, defaultDataUrl())),
      m_tradingUrl(rootUrl(m_settings.tradingUrl, defaultTradingUrl()))
{}

std::unique_ptr<BarStream> AlpacaPlugin::openStream(const QString &symbol,
                                                    const QString &timeframe)
{
    if (timeframe != QLatin1String("1m") || !isValidSymbol(symbol) || m_settings.apiKey.isEmpty()
        || m_settings.apiSecret.isEmpty())
        return nullptr;
    const QString root = rootUrl(m_settings.wsUrl, QStringLiteral("wss://stream.data.alpaca.markets"));
    const QString path = isCryptoSymbol(symbol)
                             ? QStringLiteral("/v1beta3/crypto/us")
                             : QStringLiteral("/v2/") + (m_settings.feed.isEmpty() ? QStringLiteral("iex") : m_settings.feed);
    return std::make_unique<AlpacaStream>(QUrl(root + path), symbol, m_settings.apiKey,
                                          m_settings.apiSecret);
}

qint64 AlpacaPlugin::now() const
{
    return m_now ? m_now() : QDateTime::currentMSecsSinceEpoch();
}

Error AlpacaPlugin::scrubbed(Error error) const
{
    // An upstream body or a proxy could echo a header back; credentials never leave here.
    QString message = error.message();
    QString detail = error.detail();
    for (const QString &secret : {m_settings.apiKey, m_settings.apiSecret}) {
        if (secret.isEmpty())
            continue;
        message.replace(secret, QStringLiteral("***"));
        detail.replace(secret, QStringLiteral("***"));
    }
    return Error(error.kind(), message, detail, error.retryAfterMs());
}

// The seed's _request_api: the one place that builds URLs, sets the APCA headers, sends the
// request and turns statuses into errors. The URL never holds credentials, so it may be
// logged; the headers are never logged.
Result<QByteArray> AlpacaPlugin::requestApi(Host host, const QString &path, const QUrlQuery &query,
                                            const std::atomic<bool> *cancel, int *requests) const
{
    QUrl url((host == Host::Data ? m_dataUrl : m_tradingUrl) + path);
    url.setQuery(query);
    HttpRequest request;
    request.url = url;
    request.cancel = cancel;
    request.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    if (!m_settings.apiKey.isEmpty()) {
        request.headers.append({QByteArrayLiteral("APCA-API-KEY-ID"), m_settings.apiKey.toUtf8()});
        request.headers.append(
            {QByteArrayLiteral("APCA-API-SECRET-KEY"), m_settings.apiSecret.toUtf8()});
    }
    qCDebug(lcPlugins).noquote() << "alpaca GET" << url.toString();
    Result<HttpResponse> response = m_context->http.get(request);
    if (requests)
        ++*requests;
    if (!response)
        return scrubbed(response.error());
    if (!response->isSuccess()) {
        Error error = scrubbed(errorFromResponse(*response, now()));
        qCInfo(lcPlugins).noquote() << "alpaca" << url.path() << "failed:" << error.message();
        return error;
    }
    return std::move(response->body);
}

Result<QList<SymbolInfo>> AlpacaPlugin::stockSymbols()
{
    QMutexLocker lock(&m_symbolsMutex);
    if (m_stockSymbols)
        return *m_stockSymbols;
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("status"), QStringLiteral("active"));
    query.addQueryItem(QStringLiteral("asset_class"), QStringLiteral("us_equity"));
    Result<QByteArray> body =
        requestApi(Host::Trading, QStringLiteral("/v2/assets"), query, nullptr, nullptr);
    if (!body)
        return body.error();
    Result<QList<SymbolInfo>> parsed = parseAssets(*body);
    if (!parsed)
        return scrubbed(parsed.error());
    std::sort(parsed->begin(), parsed->end(),
              [](const SymbolInfo &a, const SymbolInfo &b) { return a.symbol < b.symbol; });
    m_stockSymbols = *parsed;
    return *m_stockSymbols;
}

Result<QList<SymbolInfo>> AlpacaPlugin::symbols()
{
    QList<SymbolInfo> out;
    if (m_settings.market != QLatin1String("crypto")) {
        // Without keys the stock listing cannot be read; an unset market then means crypto.
        if (m_settings.market == QLatin1String("stocks") || !m_settings.apiKey.isEmpty()) {
            Result<QList<SymbolInfo>> stocks = stockSymbols();
            if (!stocks)
                return stocks.error();
            out = *stocks;
        }
    }
    if (m_settings.market != QLatin1String("stocks")) {
        for (const QString &s : cryptoSymbols()) {
            const qsizetype slash = s.indexOf(QLatin1Char('/'));
            out.append(SymbolInfo{s, s.left(slash), s.mid(slash + 1), s});
        }
    }
    return out;
}

Result<BarBatch> AlpacaPlugin::fetchBars(const BarRequest &request)
{
    if (request.until <= request.since)
        return Error(Error::Kind::BadInput, QStringLiteral("empty range: until <= since"));
    Result<Timeframe> tf = Timeframe::parse(request.timeframe);
    if (!tf)
        return tf.error();
    Result<QString> tfParam = timeframeParam(*tf);
    if (!tfParam)
        return tfParam.error();
    const QString &symbol = request.symbol;
    if (!isValidSymbol(symbol))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("'%1' is not an Alpaca symbol (stocks: AAPL, BRK.B; "
                                    "crypto: BTC/USD)")
                         .arg(symbol));
    const bool crypto = isCryptoSymbol(symbol);

    BarBatch batch;
    if (!crypto) {
        if (m_settings.apiKey.isEmpty() || m_settings.apiSecret.isEmpty())
            return Error(Error::Kind::Auth,
                         QStringLiteral("Alpaca stock data needs an API key and secret "
                                        "(providers.alpaca.apiKey / apiSecret)"));
        // The bars endpoint answers an unknown ticker with an empty page, which would be
        // recorded as "no trades"; the asset list tells the two apart. If the listing cannot
        // be read (e.g. live keys against the paper host) the fetch goes on unchecked.
        const bool loaded = [&] {
            QMutexLocker lock(&m_symbolsMutex);
            return m_stockSymbols.has_value();
        }();
        Result<QList<SymbolInfo>> known = stockSymbols();
        if (!loaded)
            ++batch.requests;
        if (known) {
            const bool found = std::any_of(known->cbegin(), known->cend(),
                                           [&](const SymbolInfo &s) { return s.symbol == symbol; });
            if (!found)
                return Error(Error::Kind::NotFound,
                             QStringLiteral("Alpaca has no active stock '%1'").arg(symbol));
        } else if (!loaded) {
            qCWarning(lcPlugins).noquote()
                << "alpaca: cannot read the asset list, symbols go unchecked:"
                << known.error().message();
        }
    }

    // The bar that is still forming is never part of `covered`: stop before its bucket.
    const qint64 until = std::min(request.until, tf->bucketStart(now()));
    batch.covered = TimeRange{request.since, std::max(request.since, until)};
    if (until <= request.since)
        return batch;

    // Alpaca's start and end are both inclusive; bars start on whole seconds, so asking for
    // [ceil(since), floor(until - 1)] in seconds and filtering makes our [since, until) exact.
    const qint64 startMs = (request.since + 999) / 1000 * 1000;
    const qint64 endMs = (until - 1) / 1000 * 1000;
    QUrlQuery base;
    base.addQueryItem(QStringLiteral("timeframe"), *tfParam);
    base.addQueryItem(QStringLiteral("start"), formatTime(startMs));
    base.addQueryItem(QStringLiteral("end"), formatTime(endMs));
    base.addQueryItem(QStringLiteral("limit"), QString::number(m_pageLimit.load()));
    base.addQueryItem(QStringLiteral("sort"), QStringLiteral("asc"));
    QString path;
    if (crypto) {
        path = QStringLiteral("/v1beta3/crypto/us/bars");
        base.addQueryItem(QStringLiteral("symbols"), symbol);
    } else {
        path = QStringLiteral("/v2/stocks/%1/bars")
                   .arg(QString::fromLatin1(QUrl::toPercentEncoding(symbol)));
        base.addQueryItem(QStringLiteral("adjustment"), QStringLiteral("raw"));
        if (!m_settings.feed.isEmpty())
            base.addQueryItem(QStringLiteral("feed"), m_settings.feed);
    }

    QString token;
    QSet<QString> seenTokens;
    bool sorted = true;
    for (;;) {
        if (request.cancel && request.cancel->load())
            return cancelled();
        QUrlQuery query = base;
        if (!token.isEmpty())
            query.addQueryItem(QStringLiteral("page_token"), token);
        Result<QByteArray> body = requestApi(Host::Data, path, query, request.cancel,
                                             &batch.requests);
        if (!body)
            return body.error();
        Result<BarsPage> page = parseBarsPage(*body, symbol);
        if (!page)
            return scrubbed(page.error());
        for (Bar bar : page->bars) {
            // Day, week and month bars come stamped at midnight New York time: re-based on
            // Barkeep's UTC buckets; a bar off the grid of the asked timeframe is refused.
            const std::optional<qint64> start = barStart(bar.t, *tf);
            if (!start)
                return Error(Error::Kind::BadResponse,
                             wire::refusal(QStringLiteral("Alpaca"), *tf,
                                           QStringLiteral("a bar at %1 does not start a %2 bar")
                                               .arg(formatTime(bar.t), tf->name())));
            bar.t = *start;
            if (bar.t < request.since || bar.t >= until)
                continue;
            if (!batch.bars.empty() && bar.t <= batch.bars.back().t)
                sorted = false;
            batch.bars.push_back(bar);
        }
        if (page->nextPageToken.isEmpty())
            break;
        if (seenTokens.contains(page->nextPageToken))
            return Error(Error::Kind::BadResponse,
                         QStringLiteral("Alpaca repeated a next_page_token: paging would loop"),
                         page->nextPageToken.left(100));
        seenTokens.insert(page->nextPageToken);
        token = page->nextPageToken;
    }
    if (!sorted) {
        // Alpaca promises ascending order; if a page breaks it, keep the last word per time.
        std::stable_sort(batch.bars.begin(), batch.bars.end(),
                         [](const Bar &a, const Bar &b) { return a.t < b.t; });
        Bars unique;
        unique.reserve(batch.bars.size());
        for (const Bar &bar : batch.bars) {
            if (!unique.empty() && unique.back().t == bar.t)
                unique.back() = bar;
            else
                unique.push_back(bar);
        }
        batch.bars = std::move(unique);
    }
    if (const std::optional<QString> problem = wire::spacingProblem(batch.bars, *tf))
        return Error(Error::Kind::BadResponse, wire::refusal(QStringLiteral("Alpaca"), *tf, *problem));
    if (crypto && batch.bars.empty() && !cryptoSymbols().contains(symbol))
        return Error(Error::Kind::NotFound,
                     QStringLiteral("Alpaca has no data for crypto pair '%1'").arg(symbol));
    qCDebug(lcPlugins).noquote() << "alpaca" << symbol << request.timeframe << batch.bars.size()
                                 << "bars in" << batch.requests << "requests";
    return batch;
}

Result<QList<CalendarDay>> AlpacaPlugin::calendarDays(QDate from, QDate to)
{
    QMutexLocker lock(&m_calendarMutex);
    // Whole months are fetched and remembered, so overlapping ranges cost no new request.
    int firstMissing = -1, lastMissing = -1;
    for (int k = monthKey(from); k <= monthKey(to); ++k) {
        if (m_loadedMonths.contains(k))
            continue;
        if (firstMissing < 0)
            firstMissing = k;
        lastMissing = k;
    }
    if (firstMissing >= 0) {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("start"),
                           monthStart(firstMissing).toString(Qt::ISODate));
        query.addQueryItem(QStringLiteral("end"),
                           monthStart(lastMissing + 1).addDays(-1).toString(Qt::ISODate));
        Result<QByteArray> body =
            requestApi(Host::Trading, QStringLiteral("/v2/calendar"), query, nullptr, nullptr);
        if (!body)
            return body.error();
        Result<QList<CalendarDay>> days = parseCalendar(*body);
        if (!days)
            return scrubbed(days.error());
        for (const CalendarDay &day : *days)
            m_days.insert(day.date, day);
        for (int k = firstMissing; k <= lastMissing; ++k)
            m_loadedMonths.insert(k);
    }
    QList<CalendarDay> out;
    for (auto it = m_days.lowerBound(from); it != m_days.end() && it.key() <= to; ++it)
        out.append(*it);
    return out;
}

Result<TimeRanges> AlpacaPlugin::sessions(const QString &symbol, TimeRange range)
{
    if (isCryptoSymbol(symbol)) // crypto trades around the clock
        return TimeRanges{range};
    if (range.isEmpty())
        return TimeRanges{};
    // A New York session never crosses midnight, so the days of range's ends bound it.
    Result<QList<CalendarDay>> days = calendarDays(newYorkDate(range.from), newYorkDate(range.to - 1));
    if (!days)
        return days.error();
    return sessionRanges(*days, range, m_extendedHours);
}

} // namespace barkeep
