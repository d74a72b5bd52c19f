// SPDX-License-Identifier: GPL-3.0-or-later
#include "alpacawire.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>

namespace barkeep::alpaca {

namespace {

constexpr int kFragmentChars = 200;

QString fragmentOf(const QJsonValue &value)
{
    QByteArray text;
    if (value.isObject())
        text = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    else if (value.isArray())
        text = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    else
        text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
    return QString::fromUtf8(text.left(kFragmentChars));
}

QString fragmentOf(const QByteArray &body, qsizetype around = 0)
{
    const qsizetype from = std::max<qsizetype>(0, around - kFragmentChars / 2);
    return QString::fromUtf8(body.mid(from, kFragmentChars));
}

Error badResponse(const QString &what, const QString &fragment)
{
    return Error(Error::Kind::BadResponse, QStringLiteral("Alpaca: %1").arg(what), fragment);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(int y, int m, int d)
{
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return qint64(era) * 146097 + doe - 719468;
}

bool digits(QStringView s, qsizetype at, qsizetype n, int *out)
{
    if (at + n > s.size())
        return false;
    int v = 0;
    for (qsizetype i = at; i < at + n; ++i) {
        const char16_t c = s[i].unicode();
        if (c < u'0' || c > u'9')
            return false;
        v = v * 10 + (c - u'0');
    }
    *out = v;
    return true;
}

Result<Bar> parseBar(const QJsonValue &value)
{
    if (!value.isObject())
        return badResponse(QStringLiteral("a bar is not an object"), fragmentOf(value));
    const QJsonObject o = value.toObject();
    const QJsonValue t = o.value(QLatin1String("t"));
    const std::optional<qint64> ms = t.isString() ? parseTime(t.toString()) : std::nullopt;
    if (!ms)
        return badResponse(QStringLiteral("a bar has no valid RFC-3339 time \"t\""),
                           fragmentOf(value));
    Bar bar;
    bar.t = *ms;
    const struct { const char *key; double *field; } fields[] = {
        {"o", &bar.o}, {"h", &bar.h}, {"l", &bar.l}, {"c", &bar.c}, {"v", &bar.v}};
    for (const auto &f : fields) {
        const QJsonValue v = o.value(QLatin1String(f.key));
        if (!v.isDouble())
            return badResponse(QStringLiteral("a bar's \"%1\" is not a number")
                                   .arg(QLatin1String(f.key)),
                               fragmentOf(value));
        *f.field = v.toDouble();
    }
    if (!bar.isFinite())
        return badResponse(QStringLiteral("a bar holds a non-finite number"), fragmentOf(value));
    return bar;
}

QTime parseClock(const QString &text)
{
    // The calendar mixes "09:30" (open/close) and "0400" (session_open/close).
    QString s = text.trimmed();
    s.remove(QLatin1Char(':'));
    int h = 0, m = 0;
    if (s.size() != 4 || !digits(s, 0, 2, &h) || !digits(s, 2, 2, &m))
        return {};
    return QTime(h, m);
}

const QTimeZone &newYork()
{
    static const QTimeZone zone(QByteArrayLiteral("America/New_York"));
    return zone;
}

qint64 newYorkMs(QDate date, QTime time)
{
    return QDateTime(date, time, newYork()).toMSecsSinceEpoch();
}

} // namespace

std::optional<qint64> parseTime(QStringView s)
{
    // Hand-written rather than QDateTime::fromString: a page holds up to 10,000 stamps, and
    // Alpaca writes nanosecond fractions that Qt's ISO parser does not promise to accept.
    int y = 0, mo = 0, d = 0;
    if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != u'-' || !digits(s, 5, 2, &mo)
        || s[7] != u'-' || !digits(s, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return std::nullopt;
    const qint64 days = daysFromCivil(y, mo, d);
    if (s.size() == 10)
        return days * kDayMs;
    int h = 0, mi = 0, se = 0;
    if ((s[10] != u'T' && s[10] != u't' && s[10] != u' ') || !digits(s, 11, 2, &h)
        || s.size() < 19 || s[13] != u':' || !digits(s, 14, 2, &mi) || s[16] != u':'
        || !digits(s, 17, 2, &se) || h > 23 || mi > 59 || se > 60)
        return std::nullopt;
    qsizetype i = 19;
    int millis = 0;
    if (i < s.size() && s[i] == u'.') {
        ++i;
        int n = 0;
        while (i < s.size() && s[i] >= u'0' && s[i] <= u'9') {
            if (n < 3)
                millis = millis * 10 + (s[i].unicode() - u'0');
            ++n;
            ++i;
        }
        if (n == 0)
            return std::nullopt;
        for (int k = n; k < 3; ++k)
            millis *= 10;
    }
    qint64 offsetMin = 0;
    if (i < s.size() && (s[i] == u'Z' || s[i] == u'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == u'+' || s[i] == u'-')) {
        int oh = 0, om = 0;
        if (!digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != u':'
            || !digits(s, i + 4, 2, &om))
            return std::nullopt;
        offsetMin = (oh * 60 + om) * (s[i] == u'-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt; // RFC-3339 requires a zone
    }
    if (i != s.size())
        return std::nullopt;
    return ((days * 24 + h) * 60 + mi - offsetMin) * kMinuteMs + se * 1000 + millis;
}

QString formatTime(qint64 ms)
{
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    return dt.toString(ms % 1000 == 0 ? Qt::ISODate : Qt::ISODateWithMs);
}

Result<QString> timeframeParam(const Timeframe &tf)
{
    const auto unsupported = [&] {
        return Error(Error::Kind::Unsupported,
                     QStringLiteral("Alpaca has no %1 bars (it offers 1-59Min, 1-23Hour, 1Day, "
                                    "1Week, 1/2/3/4/6/12Month)")
                         .arg(tf.name()));
    };
    if (!tf.isValid())
        return unsupported();
    if (tf.isMonthly()) {
        static const int allowed[] = {1, 2, 3, 4, 6, 12};
        if (std::find(std::begin(allowed), std::end(allowed), tf.monthCount()) == std::end(allowed))
            return unsupported();
        return QString(QString::number(tf.monthCount()) + QStringLiteral("Month"));
    }
    const int m = tf.minuteCount();
    if (m < 60)
        return QString(QString::number(m) + QStringLiteral("Min"));
    if (m % 60 == 0 && m / 60 < 24)
        return QString(QString::number(m / 60) + QStringLiteral("Hour"));
    if (m == 24 * 60)
        return QStringLiteral("1Day");
    if (m == 7 * 24 * 60)
        return QStringLiteral("1Week");
    return unsupported();
}

std::optional<qint64> barStart(qint64 t, const Timeframe &tf)
{
    if (!tf.isValid())
        return std::nullopt;
    if (!tf.isMonthly() && tf.minuteCount() < 24 * 60)
        return tf.isAligned(t) ? std::optional<qint64>(t) : std::nullopt;
    QDate date;
    const QDate ny = newYorkDate(t);
    if (t == newYorkMs(ny, QTime(0, 0)))
        date = ny;
    else if (t % kDayMs == 0)
        date = QDateTime::fromMSecsSinceEpoch(t, QTimeZone::utc()).date();
    else
        return std::nullopt;
    const qint64 midnight = QDateTime(date, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
    // A week whose Monday is a holiday may be stamped on its first session: same bucket.
    return tf.bucketStart(midnight);
}

Result<BarsPage> parseBarsPage(const QByteArray &body, const QString &symbol)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error != QJsonParseError::NoError)
        return badResponse(QStringLiteral("bars response is not JSON (%1 at offset %2)")
                               .arg(err.errorString())
                               .arg(err.offset),
                           fragmentOf(body, err.offset));
    if (!doc.isObject())
        return badResponse(QStringLiteral("bars response is not an object"), fragmentOf(body));
    const QJsonObject root = doc.object();
    BarsPage page;

    const QJsonValue token = root.value(QLatin1String("next_page_token"));
    if (token.isString())
        page.nextPageToken = token.toString();
    else if (!token.isNull() && !token.isUndefined())
        return badResponse(QStringLiteral("next_page_token is neither a string nor null"),
                           fragmentOf(token));

    QJsonValue bars = root.value(QLatin1String("bars"));
    if (bars.isObject()) // multi-symbol shape: pages are ordered by symbol, ours may be absent
        bars = bars.toObject().value(symbol);
    if (bars.isNull() || bars.isUndefined()) // an empty single-symbol page says "bars": null
        return page;
    if (!bars.isArray())
        return badResponse(QStringLiteral("\"bars\" is neither an array nor an object"),
                           fragmentOf(bars));
    const QJsonArray rows = bars.toArray();
    page.bars.reserve(rows.size());
    for (const QJsonValue row : rows) {
        Result<Bar> bar = parseBar(row);
        if (!bar)
            return bar.error();
        page.bars.push_back(*bar);
    }
    return page;
}

Result<QList<StreamMessage>> parseStreamFrame(const QByteArray &frame)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(frame, &err);
    if (err.error != QJsonParseError::NoError)
        return badResponse(QStringLiteral("stream frame is not JSON (%1 at offset %2)")
                               .arg(err.errorString())
                               .arg(err.offset),
                           fragmentOf(frame, err.offset));
    if (!doc.isArray())
        return badResponse(QStringLiteral("stream frame is not an array"), fragmentOf(frame));
    QList<StreamMessage> out;
    for (const QJsonValue v : doc.array()) {
        const QJsonObject o = v.toObject();
        const QString type = o.value(QLatin1String("T")).toString();
        if (!v.isObject() || type.isEmpty())
            return badResponse(QStringLiteral("stream message without a type \"T\""), fragmentOf(v));
        StreamMessage m;
        if (type == QLatin1String("success") || type == QLatin1String("error")) {
            m.type = type == QLatin1String("success") ? StreamMessage::Type::Success
                                                      : StreamMessage::Type::Error;
            m.msg = o.value(QLatin1String("msg")).toString();
            m.code = o.value(QLatin1String("code")).toInt();
            if (m.msg.isEmpty())
                return badResponse(QStringLiteral("stream %1 message without \"msg\"").arg(type),
                                   fragmentOf(v));
        } else if (type == QLatin1String("subscription")) {
            m.type = StreamMessage::Type::Subscription;
            const QJsonValue bars = o.value(QLatin1String("bars"));
            if (!bars.isArray() && !bars.isUndefined())
                return badResponse(QStringLiteral("subscription \"bars\" is not an array"), fragmentOf(v));
            for (const QJsonValue s : bars.toArray())
                m.bars << s.toString();
        } else if (type == QLatin1String("b") || type == QLatin1String("u")
                   || type == QLatin1String("d")) {
            m.type = type == QLatin1String("b")   ? StreamMessage::Type::Bar
                     : type == QLatin1String("u") ? StreamMessage::Type::UpdatedBar
                                                  : StreamMessage::Type::DailyBar;
            m.symbol = o.value(QLatin1String("S")).toString();
            if (m.symbol.isEmpty())
                return badResponse(QStringLiteral("stream bar without its symbol \"S\""), fragmentOf(v));
            Result<Bar> bar = parseBar(v);
            if (!bar)
                return bar.error();
            if (bar->h < bar->l || bar->v < 0 || !isTimeInRange(double(bar->t)))
                return badResponse(QStringLiteral("stream bar with high below low, negative volume or a time out of range"),
                                   fragmentOf(v));
            if (m.type != StreamMessage::Type::DailyBar && bar->t % kMinuteMs != 0)
                return badResponse(QStringLiteral("minute bar time not on a minute"), fragmentOf(v));
            m.bar = *bar;
        }
        out.append(m);
    }
    return out;
}

Result<QList<CalendarDay>> parseCalendar(const QByteArray &body)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray())
        return badResponse(QStringLiteral("calendar response is not a JSON array"),
                           fragmentOf(body, err.offset));
    QList<CalendarDay> days;
    for (const QJsonValue v : doc.array()) {
        const QJsonObject o = v.toObject();
        CalendarDay day;
        day.date = QDate::fromString(o.value(QLatin1String("date")).toString(), Qt::ISODate);
        day.open = parseClock(o.value(QLatin1String("open")).toString());
        day.close = parseClock(o.value(QLatin1String("close")).toString());
        if (!day.date.isValid() || !day.open.isValid() || !day.close.isValid()
            || day.close <= day.open)
            return badResponse(QStringLiteral("a calendar day is malformed"), fragmentOf(v));
        // The extended session fields are optional in older answers: fall back to regular.
        day.sessionOpen = parseClock(o.value(QLatin1String("session_open")).toString());
        day.sessionClose = parseClock(o.value(QLatin1String("session_close")).toString());
        if (!day.sessionOpen.isValid() || day.sessionOpen > day.open)
            day.sessionOpen = day.open;
        if (!day.sessionClose.isValid() || day.sessionClose < day.close)
            day.sessionClose = day.close;
        days.append(day);
    }
    std::sort(days.begin(), days.end(),
              [](const CalendarDay &a, const CalendarDay &b) { return a.date < b.date; });
    return days;
}

TimeRanges sessionRanges(const QList<CalendarDay> &days, TimeRange range, bool extendedHours)
{
    TimeRanges out;
    for (const CalendarDay &day : days) {
        const qint64 from =
            newYorkMs(day.date, extendedHours ? day.sessionOpen : day.open);
        const qint64 to = newYorkMs(day.date, extendedHours ? day.sessionClose : day.close);
        const TimeRange r{std::max(from, range.from), std::min(to, range.to)};
        if (!r.isEmpty())
            out.push_back(r);
    }
    return out;
}

QDate newYorkDate(qint64 t)
{
    return QDateTime::fromMSecsSinceEpoch(t, newYork()).date();
}

Result<QList<SymbolInfo>> parseAssets(const QByteArray &body)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isArray())
        return badResponse(QStringLiteral("assets response is not a JSON array"),
                           fragmentOf(body, err.offset));
    QList<SymbolInfo> out;
    for (const QJsonValue v : doc.array()) {
        const QJsonObject o = v.toObject();
        const QString symbol = o.value(QLatin1String("symbol")).toString();
        if (symbol.isEmpty())
            return badResponse(QStringLiteral("an asset has no symbol"), fragmentOf(v));
        if (o.contains(QLatin1String("tradable")) && !o.value(QLatin1String("tradable")).toBool())
            continue;
        SymbolInfo info;
        info.symbol = symbol;
        info.native = symbol;
        const qsizetype slash = symbol.indexOf(QLatin1Char('/'));
        info.base = slash < 0 ? symbol : symbol.left(slash);
        info.quote = slash < 0 ? QStringLiteral("USD") : symbol.mid(slash + 1);
        out.append(info);
    }
    return out;
}

Error errorFromResponse(const HttpResponse &response, qint64 nowMs)
{
    // Alpaca's error body is {"message": …} or {"code": …, "message": …}; fall back to text.
    const QJsonObject o = QJsonDocument::fromJson(response.body).object();
    QString said = o.value(QLatin1String("message")).toString();
    if (said.isEmpty())
        said = QString::fromUtf8(response.body.left(kFragmentChars)).simplified();
    const QString detail = QString::fromUtf8(response.body.left(kFragmentChars));
    const int status = response.status;
    const QString head = QStringLiteral("Alpaca answered HTTP %1").arg(status);

    if (status == 401 || status == 403) {
        if (said.contains(QLatin1String("subscription does not permit"), Qt::CaseInsensitive))
            return Error(Error::Kind::Auth,
                         head + QStringLiteral(": the subscription does not permit recent SIP "
                                               "data (use feed iex, or data older than 15 min)"),
                         detail);
        return Error(Error::Kind::Auth,
                     head + QStringLiteral(": credentials missing, wrong, or not allowed here"),
                     detail);
    }
    if (status == 429) {
        qint64 wait = HttpClient::retryAfterMs(response);
        if (wait < 0) {
            bool ok = false;
            const qint64 reset = response.header("x-ratelimit-reset").trimmed().toLongLong(&ok);
            if (ok && reset > 0)
                wait = std::max<qint64>(0, reset * 1000 - nowMs);
        }
        return Error(Error::Kind::RateLimited, head + QStringLiteral(": rate limit reached"),
                     detail, wait);
    }
    if (status == 404)
        return Error(Error::Kind::NotFound, head + QStringLiteral(": ") + said, detail);
    if (status >= 500)
        return Error(Error::Kind::Upstream, head + QStringLiteral(": server error"), detail);
    if (status >= 400)
        return Error(Error::Kind::BadInput, head + QStringLiteral(": ") + said, detail);
    return Error(Error::Kind::BadResponse, head + QStringLiteral(": unexpected status"), detail);
}

bool isCryptoSymbol(const QString &symbol)
{
    return symbol.contains(QLatin1Char('/'));
}

bool isValidSymbol(const QString &symbol)
{
    static const QRegularExpression stock(QStringLiteral("^[A-Z][A-Z0-9.\\-]{0,15}$"));
    static const QRegularExpression crypto(QStringLiteral("^[A-Z0-9]{1,15}/[A-Z0-9]{1,15}$"));
    return (isCryptoSymbol(symbol) ? crypto : stock).match(symbol).hasMatch();
}

} // namespace barkeep::alpaca
