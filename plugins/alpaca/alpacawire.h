// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "model/timeframe.h"
#include "net/httpclient.h"
#include "plugin/marketplugin.h"
#include "util/result.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTime>

#include <optional>

// Alpaca's wire format (provider-apis.md §4): pure functions that turn response bodies into
// Barkeep values and Barkeep values into query parameters. No I/O, no state, so the tests can
// drive them with recorded bodies, table by table.
namespace barkeep::alpaca {

// One page of bars: the bars of the requested symbol and the opaque continuation token
// (empty when this was the last page).
struct BarsPage
{
    Bars bars;
    QString nextPageToken;
};

// A trading day from GET /v2/calendar; times are New York local.
struct CalendarDay
{
    QDate date;
    QTime open;         // regular session, "09:30"
    QTime close;        // "16:00", earlier on early-close days
    QTime sessionOpen;  // extended hours, "0400"
    QTime sessionClose; // "2000"
    friend bool operator==(const CalendarDay &, const CalendarDay &) = default;
};

// Parses a bars page. Works for the single-symbol stock shape
// {"bars":[…]|null,"symbol":…,"next_page_token":…} and the multi-symbol shape
// {"bars":{"SYM":[…]},"next_page_token":…} (crypto v1beta3 and /v2/stocks/bars), taking the
// bars of `symbol` from the latter. Malformed data → BadResponse with the offending fragment.
Result<BarsPage> parseBarsPage(const QByteArray &body, const QString &symbol);

// One message of the real-time market data stream (provider-apis.md §4, "Streaming bars").
struct StreamMessage
{
    enum class Type {
        Success,      // {"T":"success","msg":"connected"|"authenticated"}
        Subscription, // the current subscription lists
        Error,        // {"T":"error","code":N,"msg":…}
        Bar,          // "b": a minute that just ended (final)
        UpdatedBar,   // "u": a late trade changed a finished minute (final, overwrites)
        DailyBar,     // "d": the running daily bar
        Other         // trades, quotes, statuses, …: not used
    };
    Type type = Type::Other;
    QString msg;
    int code = 0;
    QString symbol;   // bars: "S"
    Bar bar;
    QStringList bars; // Subscription: the "bars" list
};
// Parses one stream frame: a JSON array of messages each with "T". Malformed data (not an
// array, a message without "T", a bar with a bad field or a minute bar not on a minute)
// → BadResponse with the offending fragment.
Result<QList<StreamMessage>> parseStreamFrame(const QByteArray &frame);

// RFC-3339 ("2024-01-02T14:30:00Z", "…00.123456789Z", "…-05:00") or "YYYY-MM-DD" → epoch ms.
std::optional<qint64> parseTime(QStringView text);
// Epoch ms → RFC-3339 UTC, second precision when the value has no milliseconds.
QString formatTime(qint64 ms);

// Our timeframe → Alpaca's `timeframe` parameter ("1Min", "4Hour", "1Day", "1Week",
// "3Month"); Unsupported for what Alpaca does not offer (e.g. 3d, 90m).
Result<QString> timeframeParam(const Timeframe &timeframe);

// Where a bar Alpaca stamped at `t` starts in Barkeep's buckets of `tf`, or nullopt when `t`
// cannot start a bar of `tf` (the answer holds another interval). Minute and hour bars are
// on the UTC grid as sent. Day, week and month bars are stamped at midnight New York time
// (provider-apis.md §4; midnight UTC is taken too): they start at midnight UTC of that date,
// the week's Monday, the month's first, as every daily series in Barkeep does.
std::optional<qint64> barStart(qint64 t, const Timeframe &tf);

// GET /v2/calendar → trading days (weekends and holidays are absent).
Result<QList<CalendarDay>> parseCalendar(const QByteArray &body);
// The session ranges of `days` that intersect `range`, in epoch ms, ascending. Regular
// hours, or session_open–session_close when `extendedHours`. DST comes from the tz database.
TimeRanges sessionRanges(const QList<CalendarDay> &days, TimeRange range, bool extendedHours);
// The New York calendar date holding epoch ms `t`.
QDate newYorkDate(qint64 t);

// GET /v2/assets → tradeable symbols (stocks: ticker; crypto: "BTC/USD").
Result<QList<SymbolInfo>> parseAssets(const QByteArray &body);

// An HTTP error status → Error in Alpaca's terms: 401/403 Auth (also the "subscription does
// not permit" SIP refusal), 429 RateLimited with Retry-After or X-Ratelimit-Reset,
// 404 NotFound, 400/422 BadInput with Alpaca's message, 5xx Upstream.
Error errorFromResponse(const HttpResponse &response, qint64 nowMs);

// Valid unified symbols: stocks "AAPL", "BRK.B"; crypto "BTC/USD".
bool isCryptoSymbol(const QString &symbol);
bool isValidSymbol(const QString &symbol);

} // namespace barkeep::alpaca
