// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "util/result.h"

#include <QChar>
#include <QList>
#include <QString>
#include <QTimeZone>

class QIODevice;

namespace barkeep {

// Reads OHLCV bars from CSV: Binance public-data archive rows (12 columns, no header, open
// time in ms, or µs from 2025 on, detected per value) and generic t,o,h,l,c,v files with or
// without a header naming the columns in any order. Every row that is not a bar is reported
// with its line number and why; none is silently dropped. Plain class, no Qt event loop, any
// thread: used by `barkeep import FILE`.
//
// Bounded whatever the input: a line longer than Options::maxLineBytes or more than
// Options::maxBadRows bad rows end the parse with an error that names the line (a binary file,
// /dev/zero or a file of some other kind must not be read to its end or kept in memory), and
// parseFile() opens regular files only.
class CsvBarParser
{
public:
    enum class TimeUnit { Auto, Seconds, Milliseconds, Microseconds };
    enum class Header { Auto, Yes, No };
    enum class Format { Empty, Binance, Generic };

    struct Options
    {
        // Auto: per value, ≥ 1e14 µs, ≥ 1e11 ms, else seconds (fractions allowed).
        TimeUnit timeUnit = TimeUnit::Auto;
        // Zone of timestamps written without one ("2024-01-02 09:30"): an IANA id
        // ("America/New_York"), "UTC", or an offset ("+02:00", "UTC-5", "-0530"). Empty = UTC.
        QString timeZone;
        Header header = Header::Auto;
        QChar delimiter; // null = detect from the first line: , ; tab |
        // A bar row is well under 200 bytes; Binance's 12 columns about 130.
        int maxLineBytes = 4096;
        // Bad rows reported before the parse gives up on the file.
        int maxBadRows = 1000;
    };

    struct BadRow
    {
        int line = 0; // 1-based physical line of the file
        QString reason;
        friend bool operator==(const BadRow &, const BadRow &) = default;
    };

    struct Parsed
    {
        Bars bars; // ascending by time, unique times
        QList<BadRow> badRows;
        Format format = Format::Empty;
        bool hasHeader = false;
        QChar delimiter;
        int dataRows = 0; // rows that were neither blank nor the header
    };

    // Fails only for what makes the whole file unreadable: an unreadable device, an invalid
    // time zone, a header without time/open/high/low/close, an unknown column layout.
    static Result<Parsed> parse(QIODevice &device, const Options &options);
    static Result<Parsed> parse(QIODevice &device) { return parse(device, Options()); }
    // Opens `path` for reading if it is a regular file (never a FIFO, device, socket or
    // directory: checked before opening and again on the open descriptor, so a FIFO cannot
    // block the caller) and parses it. BadInput names the path and what it is otherwise.
    static Result<Parsed> parseFile(const QString &path, const Options &options);

    // "America/New_York", "UTC", "+02:00", "UTC-5" → a zone; BadInput otherwise.
    static Result<QTimeZone> parseTimeZone(const QString &text);
    // What an import of `bars` covers: [first, last + barMs). Empty for no bars.
    static TimeRange coveredRange(const Bars &bars, qint64 barMs = kMinuteMs);
};

} // namespace barkeep
