// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacafake.h"

#include <QDateTime>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimeZone>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>

namespace barkeep::fakes {

namespace {

const QTimeZone &newYork()
{
    static const QTimeZone zone(QByteArrayLiteral("America/New_York"));
    return zone;
}

quint64 splitmix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a: stable across runs and Qt versions, unlike qHash's seeded variants.
quint64 stableHash(const QString &s)
{
    quint64 h = 1469598103934665603ULL;
    for (QChar c : s) {
        h ^= c.unicode();
        h *= 1099511628211ULL;
    }
    return h;
}

double round2(double x) { return std::round(x * 100.0) / 100.0; }

QString rfc3339(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// RFC-3339 or YYYY-MM-DD, as Alpaca accepts for start/end.
std::optional<qint64> parseTimeParam(const QString &text)
{
    if (text.size() == 10) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (!d.isValid())
            return std::nullopt;
        return QDateTime(d, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    }
    const QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid() || dt.timeSpec() == Qt::LocalTime)
        return std::nullopt;
    return dt.toMSecsSinceEpoch();
}

QByteArray json(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
QByteArray json(const QJsonArray &a) { return QJsonDocument(a).toJson(QJsonDocument::Compact); }

QByteArray message(const QString &text, int code = 0)
{
    QJsonObject o{{QStringLiteral("message"), text}};
    if (code)
        o.insert(QStringLiteral("code"), code);
    return json(o);
}

QSet<QDate> holidays()
{
    static const QSet<QDate> days = [] {
        QSet<QDate> s;
        for (const char *d :
             {"2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19",
              "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25", "2024-01-01", "2024-01-15",
              "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02",
              "2024-11-28", "2024-12-25", "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17",
              "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27",
              "2025-12-25", "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25",
              "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"})
            s.insert(QDate::fromString(QLatin1String(d), Qt::ISODate));
        return s;
    }();
    return days;
}

QSet<QDate> earlyCloses()
{
    static const QSet<QDate> days = [] {
        QSet<QDate> s;
        for (const char *d : {"2023-07-03", "2023-11-24", "2024-07-03", "2024-11-29",
                              "2024-12-24", "2025-07-03", "2025-11-28", "2025-12-24",
                              "2026-11-27", "2026-12-24"})
            s.insert(QDate::fromString(QLatin1String(d), Qt::ISODate));
        return s;
    }();
    return days;
}

qint64 nyMs(QDate d, QTime t) { return QDateTime(d, t, newYork()).toMSecsSinceEpoch(); }
QDate nyDate(qint64 ms) { return QDateTime::fromMSecsSinceEpoch(ms, newYork()).date(); }

// Bar buckets of an Alpaca timeframe: N minutes or hours (epoch aligned), or New York days,
// weeks (from Monday) and months (from January), stamped at New York midnight as Alpaca does.
struct Buckets
{
    qint64 sizeMs = 0; // > 0: minutes or hours
    int days = 0;      // 1: days, 7: weeks
    int months = 0;    // N months
    qint64 start(qint64 t) const
    {
        if (sizeMs)
            return t - ((t % sizeMs) + sizeMs) % sizeMs;
        QDate d = nyDate(t);
        if (days == 7)
            d = d.addDays(1 - d.dayOfWeek());
        else if (months)
            d = QDate(d.year(), (d.month() - 1) / months * months + 1, 1);
        return nyMs(d, QTime(0, 0));
    }
    qint64 next(qint64 b) const
    {
        if (sizeMs)
            return b + sizeMs;
        const QDate d = nyDate(b);
        return nyMs(months ? d.addMonths(months) : d.addDays(days), QTime(0, 0));
    }
    qint64 firstAtOrAfter(qint64 t) const
    {
        const qint64 b = start(t);
        return b < t ? next(b) : b;
    }
    bool isDay() const { return days == 1; }
};

std::optional<Buckets> parseTimeframe(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral("^(\\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const int n = m.captured(1).toInt();
    const QString unit = m.captured(2);
    if ((unit == QLatin1String("Min") || unit == QLatin1String("T")) && n >= 1 && n <= 59)
        return Buckets{n * kMinuteMs};
    if ((unit == QLatin1String("Hour") || unit == QLatin1String("H")) && n >= 1 && n <= 23)
        return Buckets{n * kHourMs};
    if ((unit == QLatin1String("Day") || unit == QLatin1String("D")) && n == 1)
        return Buckets{0, 1};
    if ((unit == QLatin1String("Week") || unit == QLatin1String("W")) && n == 1)
        return Buckets{0, 7};
    if ((unit == QLatin1String("Month") || unit == QLatin1String("M"))
        && QList<int>{1, 2, 3, 4, 6, 12}.contains(n))
        return Buckets{0, 0, n};
    return std::nullopt;
}

QJsonObject barJson(const Bar &b, bool crypto)
{
    QJsonObject o{{QStringLiteral("t"), rfc3339(b.t)},
                  {QStringLiteral("o"), b.o},
                  {QStringLiteral("h"), b.h},
                  {QStringLiteral("l"), b.l},
                  {QStringLiteral("c"), b.c},
                  {QStringLiteral("v"), b.v},
                  {QStringLiteral("vw"), std::round((b.o + b.h + b.l + b.c) * 2500.0) / 10000.0}};
    o.insert(QStringLiteral("n"), crypto ? qint64(b.v * 3) + 1 : qint64(b.v / 40) + 1);
    return o;
}

} // namespace

AlpacaFake::AlpacaFake(quint64 seed, QObject *parent)
    : QObject(parent), m_seed(seed), m_rng(quint32(seed ^ (seed >> 32)))
{
    // The latest session at least three days back: inside any test's recent range.
    const QDate today = nyDate(QDateTime::currentMSecsSinceEpoch());
    const QList<CalendarDay> days = calendar(today.addDays(-14), today.addDays(-3));
    m_divergentDay = days.isEmpty() ? today.addDays(-3) : days.last().date;
}

Bar AlpacaFake::diverged(Bar b)
{
    b.v = std::round(b.v * 1.25 + 1);
    b.h = round2(b.h + 0.05);
    return b;
}

Bars AlpacaFake::nativeTruth(const QString &symbol, TimeRange range, const QString &timeframe) const
{
    Bars out;
    const std::optional<Buckets> buckets = parseTimeframe(timeframe);
    if (!buckets || (!stockSymbols().contains(symbol) && !cryptoSymbols().contains(symbol)))
        return out;
    std::optional<Bar> agg;
    auto flush = [&] {
        if (agg && agg->t < range.to)
            out.push_back(buckets->isDay() && nyDate(agg->t) == m_divergentDay ? diverged(*agg) : *agg);
    };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 to = std::min(buckets->start(now), buckets->next(buckets->start(range.to - 1)));
    forEachMinute(symbol, buckets->firstAtOrAfter(range.from), to, [&](const Bar &m) {
        const qint64 b = buckets->start(m.t);
        if (agg && agg->t == b) {
            agg->h = std::max(agg->h, m.h);
            agg->l = std::min(agg->l, m.l);
            agg->c = m.c;
            agg->v += m.v;
            return true;
        }
        flush();
        agg = m;
        agg->t = b;
        return true;
    });
    flush();
    return out;
}

AlpacaFake::~AlpacaFake() = default;

quint16 AlpacaFake::listen(quint16 port)
{
    // Created here, in the thread that owns the fake (style.md §6).
    m_server = std::make_unique<QHttpServer>();
    m_server->setMissingHandler(
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(request, std::move(responder));
        });
    m_port = m_server->listen(QHostAddress::LocalHost, port);
    return m_port;
}

QUrl AlpacaFake::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

void AlpacaFake::setCredentials(const QString &keyId, const QString &secret)
{
    m_keyId = keyId;
    m_secret = secret;
}

int AlpacaFake::requestCount(const QString &prefix) const
{
    int n = 0;
    for (auto it = m_pathCounts.cbegin(); it != m_pathCounts.cend(); ++it)
        if (it.key().startsWith(prefix))
            n += it.value();
    return n;
}

void AlpacaFake::resetCounters()
{
    m_requests = 0;
    m_pathCounts.clear();
    m_log.clear();
}

QStringList AlpacaFake::stockSymbols()
{
    return {QStringLiteral("AAPL"), QStringLiteral("BRK.B"), QStringLiteral("MSFT"),
            QStringLiteral("SPY"), QStringLiteral("TSLA")};
}

QStringList AlpacaFake::cryptoSymbols()
{
    return {QStringLiteral("BTC/USD"), QStringLiteral("ETH/USD"), QStringLiteral("SOL/USD")};
}

QList<AlpacaFake::CalendarDay> AlpacaFake::calendar(QDate from, QDate to)
{
    QList<CalendarDay> out;
    for (QDate d = from; d.isValid() && d <= to; d = d.addDays(1)) {
        if (d.dayOfWeek() >= 6 || holidays().contains(d))
            continue;
        out.append({d, QTime(9, 30), earlyCloses().contains(d) ? QTime(13, 0) : QTime(16, 0)});
    }
    return out;
}

bool AlpacaFake::inOutage(qint64 t) const
{
    return std::any_of(m_outages.cbegin(), m_outages.cend(),
                       [t](const TimeRange &r) { return r.contains(t); });
}

Bar AlpacaFake::minuteBar(const QString &symbol, qint64 t, bool *exists) const
{
    const quint64 sym = stableHash(symbol);
    const quint64 h = splitmix(m_seed ^ splitmix(sym) ^ quint64(t / kMinuteMs));
    const bool crypto = symbol.contains(QLatin1Char('/'));
    // About 1 stock minute in 40 has no trade, hence no bar; crypto always has a bar.
    *exists = crypto || (h >> 58) % 40 != 0;
    const double base = crypto ? 1000.0 + double(sym % 60000) : 20.0 + double(sym % 480);
    const double level = base * (1.0 + 0.08 * std::sin(double(t / kMinuteMs) / 4000.0));
    const double u1 = double(h & 0xffff) / 65535.0 - 0.5;
    const double u2 = double((h >> 16) & 0xffff) / 65535.0 - 0.5;
    Bar b;
    b.t = t;
    b.o = round2(level * (1.0 + u1 * 0.004));
    b.c = round2(level * (1.0 + u2 * 0.004));
    b.h = round2(std::max(b.o, b.c) + double((h >> 32) & 0x3f) / 100.0);
    b.l = round2(std::min(b.o, b.c) - double((h >> 38) & 0x3f) / 100.0);
    b.v = crypto ? double((h >> 44) % 100000) / 1000.0 : double(100 + (h >> 44) % 20000);
    return b;
}

template <typename Sink>
void AlpacaFake::forEachMinute(const QString &symbol, qint64 from, qint64 to, Sink &&sink) const
{
    from = (from + kMinuteMs - 1) / kMinuteMs * kMinuteMs;
    bool exists = false;
    if (symbol.contains(QLatin1Char('/'))) {
        for (qint64 t = from; t < to; t += kMinuteMs) {
            const Bar b = minuteBar(symbol, t, &exists);
            if (!inOutage(t) && !sink(b))
                return;
        }
        return;
    }
    if (to <= from)
        return;
    for (const CalendarDay &day : calendar(nyDate(from), nyDate(to - 1))) {
        const qint64 open = std::max(nyMs(day.date, day.open), from);
        const qint64 close = std::min(nyMs(day.date, day.close), to);
        for (qint64 t = open; t < close; t += kMinuteMs) {
            const Bar b = minuteBar(symbol, t, &exists);
            if (exists && !inOutage(t) && !sink(b))
                return;
        }
    }
}

Bars AlpacaFake::groundTruth(const QString &symbol, TimeRange range) const
{
    Bars out;
    if (!stockSymbols().contains(symbol) && !cryptoSymbols().contains(symbol))
        return out;
    forEachMinute(symbol, range.from, range.to, [&](const Bar &b) {
        out.push_back(b);
        return true;
    });
    return out;
}

void AlpacaFake::handle(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const Reply reply = route(request);
    const QByteArray mime = reply.body.startsWith('<') ? QByteArrayLiteral("text/html")
                                                       : QByteArrayLiteral("application/json");
    auto send = [reply, mime](QHttpServerResponder &&r) {
        QHttpServerResponse response(mime, reply.body,
                                     QHttpServerResponse::StatusCode(reply.status));
        for (const auto &[name, value] : reply.headers)
            response.addHeader(name, value);
        response.write(std::move(r));
    };
    if (m_latencyMs <= 0) {
        send(std::move(responder));
        return;
    }
    // Qt 6.4: answer later only through the responder, and only while the client is still
    // connected (style.md §6); a QFuture response would write to a deleted socket.
    QPointer<QTcpSocket> socket(responder.socket());
    auto shared = std::make_shared<QHttpServerResponder>(std::move(responder));
    QTimer::singleShot(m_latencyMs, this, [socket, shared, send] {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            send(std::move(*shared));
    });
}

AlpacaFake::Reply AlpacaFake::route(const QHttpServerRequest &request)
{
    const QString path = request.url().path();
    ++m_requests;
    ++m_pathCounts[path];
    QUrl logged;
    logged.setPath(path);
    logged.setQuery(request.query());
    m_log.append(logged);

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<QPair<QByteArray, QByteArray>> limitHeaders;
    if (m_ratePerMinute > 0) {
        // A sliding minute over the requests let through: deterministic for tests, and a
        // client that waits Retry-After is served again.
        while (!m_accepted.isEmpty() && m_accepted.first() <= now - kMinuteMs)
            m_accepted.removeFirst();
        const bool over = m_accepted.size() >= m_ratePerMinute;
        if (!over)
            m_accepted.append(now);
        const qint64 resetMs = m_accepted.first() + kMinuteMs;
        limitHeaders = {{"X-Ratelimit-Limit", QByteArray::number(m_ratePerMinute)},
                        {"X-Ratelimit-Remaining",
                         QByteArray::number(std::max<qsizetype>(0, m_ratePerMinute - m_accepted.size()))},
                        {"X-Ratelimit-Reset", QByteArray::number((resetMs + 999) / 1000)}};
        if (over) {
            Reply r{429, message(QStringLiteral("too many requests.")), limitHeaders};
            if (m_retryAfterHeader)
                r.headers.append({"Retry-After",
                                  QByteArray::number(std::max<qint64>(1, (resetMs - now + 999) / 1000))});
            return r;
        }
    }
    if (m_failCount > 0) {
        --m_failCount;
        return {m_failStatus, message(QStringLiteral("internal server error")), limitHeaders};
    }
    if (m_errorRate > 0 && m_rng.generateDouble() < m_errorRate)
        return {500, message(QStringLiteral("internal server error")), limitHeaders};

    QString keyId, secret;
    bool hasKey = false, hasSecret = false;
    for (const auto &[name, value] : request.headers()) {
        if (name.compare("APCA-API-KEY-ID", Qt::CaseInsensitive) == 0) {
            keyId = QString::fromUtf8(value);
            hasKey = true;
        } else if (name.compare("APCA-API-SECRET-KEY", Qt::CaseInsensitive) == 0) {
            secret = QString::fromUtf8(value);
            hasSecret = true;
        }
    }
    const bool keysOk = hasKey && hasSecret && keyId == m_keyId && secret == m_secret;
    const bool keysSent = hasKey || hasSecret;
    const Reply forbidden{403, message(QStringLiteral("forbidden.")), limitHeaders};

    Reply reply;
    const QStringList parts = path.split(QLatin1Char('/'));
    const QUrlQuery query = request.query();
    if (path == QLatin1String("/v1beta3/crypto/us/bars")) {
        if (keysSent && !keysOk) // keys are optional here, but wrong ones are refused
            return forbidden;
        const QStringList symbols =
            query.queryItemValue(QStringLiteral("symbols"), QUrl::FullyDecoded)
                .split(QLatin1Char(','), Qt::SkipEmptyParts);
        reply = bars(request, symbols, true, true, {});
    } else if (path == QLatin1String("/v2/stocks/bars")) {
        if (!keysOk)
            return forbidden;
        const QStringList symbols =
            query.queryItemValue(QStringLiteral("symbols"), QUrl::FullyDecoded)
                .split(QLatin1Char(','), Qt::SkipEmptyParts);
        reply = bars(request, symbols, false, true, {});
    } else if (parts.size() == 5 && parts[1] == QLatin1String("v2")
               && parts[2] == QLatin1String("stocks") && parts[4] == QLatin1String("bars")) {
        if (!keysOk)
            return forbidden;
        reply = bars(request, {parts[3]}, false, false, parts[3]);
    } else if (path == QLatin1String("/v2/calendar")) {
        if (!keysOk)
            return forbidden;
        reply = calendarReply(request);
    } else if (path == QLatin1String("/v2/clock")) {
        if (!keysOk)
            return forbidden;
        reply = clockReply();
    } else if (path == QLatin1String("/v2/assets")) {
        if (!keysOk)
            return forbidden;
        reply = assetsReply(request);
    } else {
        reply = {404, message(QStringLiteral("endpoint not found")), {}};
    }
    reply.headers += limitHeaders;
    return reply;
}

AlpacaFake::Reply AlpacaFake::bars(const QHttpServerRequest &request, const QStringList &symbolList,
                                   bool crypto, bool multiShape, const QString &singleSymbol)
{
    const QUrlQuery q = request.query();
    const auto param = [&](const char *name) {
        return q.queryItemValue(QLatin1String(name), QUrl::FullyDecoded);
    };
    const auto invalid = [](const QString &what) {
        return Reply{422, message(what, 42210000), {}};
    };
    if (symbolList.isEmpty())
        return invalid(QStringLiteral("missing symbols"));
    std::optional<Buckets> buckets = parseTimeframe(param("timeframe"));
    if (!buckets)
        return invalid(QStringLiteral("invalid timeframe"));
    // A proxy answering another interval than the one asked for.
    if (const std::optional<Buckets> other = parseTimeframe(m_mislabeled))
        buckets = other;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    std::optional<qint64> start = QDateTime(QDateTime::currentDateTimeUtc().date(), QTime(0, 0),
                                            Qt::UTC).toMSecsSinceEpoch();
    std::optional<qint64> end = now;
    if (q.hasQueryItem(QStringLiteral("start")))
        start = parseTimeParam(param("start"));
    if (q.hasQueryItem(QStringLiteral("end")))
        end = parseTimeParam(param("end"));
    if (!start)
        return invalid(QStringLiteral("invalid start"));
    if (!end)
        return invalid(QStringLiteral("invalid end"));
    int limit = 1000;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = param("limit").toInt(&ok);
        if (!ok || limit < 1 || limit > 10000)
            return invalid(QStringLiteral("invalid limit: must be between 1 and 10000"));
    }
    const QString feed = param("feed");
    if (!crypto && !feed.isEmpty()
        && !QStringList{QStringLiteral("iex"), QStringLiteral("sip"), QStringLiteral("otc"),
                        QStringLiteral("boats")}
                .contains(feed))
        return invalid(QStringLiteral("invalid feed"));
    const QString sort = param("sort");
    if (!sort.isEmpty() && sort != QLatin1String("asc"))
        return invalid(QStringLiteral("invalid sort (the fake serves asc only)"));

    QStringList symbols = symbolList;
    std::sort(symbols.begin(), symbols.end()); // pages are ordered by symbol, then time
    symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
    QString cursorSymbol = symbols.first();
    qint64 cursor = *start;
    if (q.hasQueryItem(QStringLiteral("page_token"))) {
        const QByteArray raw =
            QByteArray::fromBase64(param("page_token").toLatin1(), QByteArray::Base64UrlEncoding);
        const qsizetype bar = raw.lastIndexOf('|');
        bool ok = false;
        cursor = bar > 0 ? raw.mid(bar + 1).toLongLong(&ok) : 0;
        cursorSymbol = QString::fromUtf8(raw.left(bar));
        if (!ok || !symbols.contains(cursorSymbol))
            return invalid(QStringLiteral("invalid page_token"));
    }

    const int pageCap = std::min(limit, m_maxPageSize);
    QMap<QString, QJsonArray> out;
    int count = 0;
    QString nextToken;
    for (const QString &symbol : symbols) {
        if (symbol < cursorSymbol || !nextToken.isEmpty())
            continue;
        const bool known = crypto ? cryptoSymbols().contains(symbol)
                                  : stockSymbols().contains(symbol);
        if (!known)
            continue;
        const qint64 from = buckets->firstAtOrAfter(symbol == cursorSymbol ? std::max(cursor, *start)
                                                                           : *start);
        const qint64 to = buckets->next(buckets->start(*end)); // end is inclusive
        std::optional<Bar> agg;
        auto flush = [&]() -> bool {
            if (!agg || agg->t > *end)
                return true;
            if (count == pageCap) {
                nextToken = QString::fromLatin1(
                    QByteArray(symbol.toUtf8() + '|' + QByteArray::number(agg->t))
                        .toBase64(QByteArray::Base64UrlEncoding));
                return false;
            }
            const bool divergent = buckets->isDay() && nyDate(agg->t) == m_divergentDay;
            out[symbol].append(barJson(divergent ? diverged(*agg) : *agg, crypto));
            ++count;
            return true;
        };
        forEachMinute(symbol, from, to, [&](const Bar &m) {
            const qint64 b = buckets->start(m.t);
            if (agg && agg->t == b) {
                agg->h = std::max(agg->h, m.h);
                agg->l = std::min(agg->l, m.l);
                agg->c = m.c;
                agg->v += m.v;
                return true;
            }
            if (!flush())
                return false;
            agg = m;
            agg->t = b;
            return true;
        });
        if (nextToken.isEmpty())
            flush();
    }

    const bool malform = m_malformed != Malformed::None && m_malformedCount != 0;
    if (malform) {
        if (m_malformedCount > 0)
            --m_malformedCount;
        if (m_malformed == Malformed::NotJson)
            return {200, QByteArrayLiteral("<html><body><h1>502 Bad Gateway</h1></body></html>"), {}};
        if (m_malformed == Malformed::BadBar || m_malformed == Malformed::BadTime) {
            const QString sym = symbols.first();
            QJsonArray arr = out.value(sym);
            QJsonObject first = arr.isEmpty() ? barJson(Bar{*start, 1, 1, 1, 1, 1}, crypto)
                                              : arr.first().toObject();
            if (m_malformed == Malformed::BadBar)
                first.insert(QStringLiteral("o"), QStringLiteral("abc"));
            else
                first.insert(QStringLiteral("t"), QStringLiteral("yesterday"));
            if (arr.isEmpty())
                arr.append(first);
            else
                arr.replace(0, first);
            out[sym] = arr;
        }
    }

    QJsonObject root;
    const QJsonValue token = nextToken.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(nextToken);
    if (multiShape) {
        QJsonObject map;
        for (auto it = out.cbegin(); it != out.cend(); ++it)
            map.insert(it.key(), it.value());
        root.insert(QStringLiteral("bars"), map);
    } else {
        const QJsonArray arr = out.value(singleSymbol);
        // An empty single-symbol page says "bars": null, as Alpaca does.
        root.insert(QStringLiteral("bars"), arr.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                          : QJsonValue(arr));
        root.insert(QStringLiteral("symbol"), singleSymbol);
    }
    root.insert(QStringLiteral("next_page_token"), token);
    QByteArray body = json(root);
    if (malform && m_malformed == Malformed::Truncated)
        body.truncate(body.size() / 2);
    return {200, body, {}};
}

AlpacaFake::Reply AlpacaFake::calendarReply(const QHttpServerRequest &request) const
{
    const QUrlQuery q = request.query();
    const QDate today = QDateTime::currentDateTime().toTimeZone(newYork()).date();
    QDate from = today, to = today;
    if (q.hasQueryItem(QStringLiteral("start")))
        from = QDate::fromString(q.queryItemValue(QStringLiteral("start")).left(10), Qt::ISODate);
    if (q.hasQueryItem(QStringLiteral("end")))
        to = QDate::fromString(q.queryItemValue(QStringLiteral("end")).left(10), Qt::ISODate);
    if (!from.isValid() || !to.isValid())
        return {400, message(QStringLiteral("invalid date format"), 40010001), {}};
    // Alpaca's calendar spans 1970–2029.
    from = std::max(from, QDate(1970, 1, 1));
    to = std::min(to, QDate(2029, 12, 31));
    QJsonArray days;
    const QList<CalendarDay> cal = calendar(from, to.addDays(7));
    for (int i = 0; i < cal.size() && cal[i].date <= to; ++i) {
        const CalendarDay &d = cal[i];
        const QDate settle = i + 1 < cal.size() ? cal[i + 1].date : d.date.addDays(1);
        days.append(QJsonObject{{QStringLiteral("date"), d.date.toString(Qt::ISODate)},
                                {QStringLiteral("open"), d.open.toString(QStringLiteral("HH:mm"))},
                                {QStringLiteral("close"), d.close.toString(QStringLiteral("HH:mm"))},
                                {QStringLiteral("session_open"), QStringLiteral("0400")},
                                {QStringLiteral("session_close"), QStringLiteral("2000")},
                                {QStringLiteral("settlement_date"), settle.toString(Qt::ISODate)}});
    }
    return {200, json(days), {}};
}

AlpacaFake::Reply AlpacaFake::clockReply() const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QDate today = QDateTime::fromMSecsSinceEpoch(now, newYork()).date();
    bool isOpen = false;
    qint64 nextOpen = 0, nextClose = 0;
    for (const CalendarDay &d : calendar(today, today.addDays(14))) {
        const qint64 open = nyMs(d.date, d.open), close = nyMs(d.date, d.close);
        if (now >= open && now < close)
            isOpen = true;
        if (!nextOpen && open > now)
            nextOpen = open;
        if (!nextClose && close > now)
            nextClose = close;
    }
    const auto ny = [](qint64 ms) {
        return QDateTime::fromMSecsSinceEpoch(ms, newYork()).toString(Qt::ISODate);
    };
    return {200,
            json(QJsonObject{{QStringLiteral("timestamp"), ny(now)},
                             {QStringLiteral("is_open"), isOpen},
                             {QStringLiteral("next_open"), ny(nextOpen)},
                             {QStringLiteral("next_close"), ny(nextClose)}}),
            {}};
}

AlpacaFake::Reply AlpacaFake::assetsReply(const QHttpServerRequest &request) const
{
    const QString cls = request.query().queryItemValue(QStringLiteral("asset_class"));
    const bool crypto = cls == QLatin1String("crypto");
    QJsonArray assets;
    for (const QString &s : crypto ? cryptoSymbols() : stockSymbols()) {
        const quint64 h = splitmix(stableHash(s));
        const QString id = QStringLiteral("%1-%2-%3-%4-%5")
                               .arg(h & 0xffffffff, 8, 16, QLatin1Char('0'))
                               .arg((h >> 32) & 0xffff, 4, 16, QLatin1Char('0'))
                               .arg((h >> 48) & 0xffff, 4, 16, QLatin1Char('0'))
                               .arg(splitmix(h) & 0xffff, 4, 16, QLatin1Char('0'))
                               .arg(splitmix(h + 1) & 0xffffffffffffULL, 12, 16, QLatin1Char('0'));
        assets.append(QJsonObject{
            {QStringLiteral("id"), id},
            {QStringLiteral("class"), crypto ? QStringLiteral("crypto") : QStringLiteral("us_equity")},
            {QStringLiteral("exchange"), crypto ? QStringLiteral("CRYPTO") : QStringLiteral("NASDAQ")},
            {QStringLiteral("symbol"), s},
            {QStringLiteral("name"), QString(s + QStringLiteral(" (fake)"))},
            {QStringLiteral("status"), QStringLiteral("active")},
            {QStringLiteral("tradable"), true},
            {QStringLiteral("marginable"), !crypto},
            {QStringLiteral("shortable"), !crypto},
            {QStringLiteral("easy_to_borrow"), !crypto},
            {QStringLiteral("fractionable"), true}});
    }
    return {200, json(assets), {}};
}

} // namespace barkeep::fakes
