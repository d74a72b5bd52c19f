// SPDX-License-Identifier: GPL-3.0-or-later
// Alpaca GET /v2/calendar → trading days (alpaca::parseCalendar), then the session ranges of
// what parsed, over a year around the days (alpaca::sessionRanges: DST arithmetic).
#include "alpacawire.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const uint8_t selector = fuzz::takeSelector(data, size);
    const Result<QList<alpaca::CalendarDay>> days = alpaca::parseCalendar(fuzz::bytes(data, size));
    if (days && !days->isEmpty()) {
        // 2023-07-01 .. 2025-07-01: the corpus' days and both DST switches of each year.
        const TimeRange range{1688169600000LL, 1751328000000LL};
        const TimeRanges sessions = alpaca::sessionRanges(*days, range, selector & 1);
        fuzz::consume(sessions);
    }
    return 0;
}
