// SPDX-License-Identifier: GPL-3.0-or-later
#include "csvbarparser.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QIODevice>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace barkeep {

namespace {

enum Column { Time, Open, High, Low, Close, Volume, DateOnly, ColumnCount };

struct Layout
{
    int index[ColumnCount] = {-1, -1, -1, -1, -1, -1, -1};
    int fields = 0; // expected field count (0 = at least the highest index)
};

// One CSV line into fields: quoted fields may hold the delimiter, "" is a quote.
QStringList splitLine(const QString &line, QChar delimiter)
{
    QStringList out;
    if (!line.contains(u'"')) { // the common case, without a per-character copy
        qsizetype from = 0;
        for (;;) {
            const qsizetype at = line.indexOf(delimiter, from);
            out << QStringView(line).mid(from, at < 0 ? -1 : at - from).trimmed().toString();
            if (at < 0)
                return out;
            from = at + 1;
        }
    }
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == u'"') {
                if (i + 1 < line.size() && line[i + 1] == u'"') {
                    field += u'"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == delimiter) {
            out << field.trimmed();
            field.clear();
        } else {
            field += c;
        }
    }
    out << field.trimmed();
    return out;
}

QChar detectDelimiter(const QString &line)
{
    QChar best = u',';
    qsizetype most = 0;
    for (QChar c : {QChar(u','), QChar(u';'), QChar(u'\t'), QChar(u'|')}) {
        const qsizetype n = line.count(c);
        if (n > most) {
            most = n;
            best = c;
        }
    }
    return best;
}

QString normalizedName(QString name)
{
    name = name.toLower();
    name.remove(QRegularExpression(QStringLiteral("[\\s_\\-\\.()\\[\\]]")));
    return name;
}

int columnOf(const QString &rawName)
{
    static const QHash<QString, int> names = [] {
        QHash<QString, int> h;
        for (const char *n : {"time", "timestamp", "datetime", "t", "opentime", "ts", "unix",
                              "unixtime", "timems", "timestampms", "epoch", "starttime",
                              "begin"})
            h.insert(QLatin1String(n), Time);
        h.insert(QStringLiteral("date"), DateOnly);
        for (const char *n : {"open", "o", "openprice", "first"})
            h.insert(QLatin1String(n), Open);
        for (const char *n : {"high", "h", "highprice", "max"})
            h.insert(QLatin1String(n), High);
        for (const char *n : {"low", "l", "lowprice", "min"})
            h.insert(QLatin1String(n), Low);
        for (const char *n : {"close", "c", "closeprice", "last"})
            h.insert(QLatin1String(n), Close);
        for (const char *n : {"volume", "v", "vol", "basevolume", "volumebase", "volumefrom",
                              "qty", "amount"})
            h.insert(QLatin1String(n), Volume);
        return h;
    }();
    return names.value(normalizedName(rawName), -1);
}

// [+-]digits[.digits][e[+-]digits], by hand: it runs for every row's time.
template <typename View>
bool isNumber(View s)
{
    qsizetype i = 0;
    const auto at = [&](qsizetype k) {
        if constexpr (std::is_same_v<View, QStringView>)
            return s[k].unicode();
        else
            return char16_t(uchar(s[k]));
    };
    const auto digitsAt = [&] {
        const qsizetype start = i;
        while (i < s.size() && at(i) >= u'0' && at(i) <= u'9')
            ++i;
        return i > start;
    };
    if (i < s.size() && (at(i) == u'+' || at(i) == u'-'))
        ++i;
    if (!digitsAt())
        return false;
    if (i < s.size() && at(i) == u'.') {
        ++i;
        digitsAt();
    }
    if (i < s.size() && (at(i) == u'e' || at(i) == u'E')) {
        ++i;
        if (i < s.size() && (at(i) == u'+' || at(i) == u'-'))
            ++i;
        if (!digitsAt())
            return false;
    }
    return i == s.size();
}

// A data row into fields without leaving bytes: the fields point into `row`, which must
// outlive them. Rows with quotes take the general QString path.
QList<QByteArray> splitRow(const QByteArray &row, QChar delimiter)
{
    QList<QByteArray> out;
    if (row.contains('"')) {
        for (const QString &f : splitLine(QString::fromUtf8(row), delimiter))
            out << f.toUtf8();
        return out;
    }
    const char d = delimiter.toLatin1();
    qsizetype from = 0;
    for (;;) {
        const qsizetype at = row.indexOf(d, from);
        const qsizetype end = at < 0 ? row.size() : at;
        qsizetype a = from, b = end;
        while (a < b && (row[a] == ' ' || row[a] == '\t'))
            ++a;
        while (b > a && (row[b - 1] == ' ' || row[b - 1] == '\t'))
            --b;
        out << QByteArray::fromRawData(row.constData() + a, b - a);
        if (at < 0)
            return out;
        from = at + 1;
    }
}

struct TimeParser
{
    CsvBarParser::TimeUnit unit;
    QTimeZone zone;

    // Epoch ms, or an empty optional and `why`.
    std::optional<qint64> operator()(const QByteArray &text, QString *why) const
    {
        if (text.isEmpty()) {
            *why = QStringLiteral("empty time");
            return std::nullopt;
        }
        if (isNumber(QByteArrayView(text)))
            return epoch(text, why);
        return dateTime(QString::fromUtf8(text), why);
    }

    std::optional<qint64> epoch(const QByteArray &text, QString *why) const
    {
        bool intOk = false;
        const qint64 whole = text.toLongLong(&intOk);
        const double value = intOk ? double(whole) : text.toDouble();
        if (!std::isfinite(value)) {
            *why = QStringLiteral("time '%1' is not a number").arg(QString::fromUtf8(text));
            return std::nullopt;
        }
        CsvBarParser::TimeUnit u = unit;
        if (u == CsvBarParser::TimeUnit::Auto) {
            // Binance archives switched from ms to µs in 2025: decide per value, never per file.
            const double a = std::abs(value);
            u = a >= 1e14   ? CsvBarParser::TimeUnit::Microseconds
                : a >= 1e11 ? CsvBarParser::TimeUnit::Milliseconds
                            : CsvBarParser::TimeUnit::Seconds;
        }
        const double ms = u == CsvBarParser::TimeUnit::Microseconds ? value / 1000.0
            : u == CsvBarParser::TimeUnit::Milliseconds              ? value
                                                                     : value * 1000.0;
        // Before any conversion or scaling: a huge value would overflow qint64 (UB).
        if (!isTimeInRange(ms)) {
            *why = QStringLiteral("time '%1' is out of range (before 1970 or after 9999)")
                       .arg(QString::fromUtf8(text));
            return std::nullopt;
        }
        switch (u) {
        case CsvBarParser::TimeUnit::Microseconds:
            return intOk ? (whole >= 0 ? whole / 1000 : -((-whole + 999) / 1000))
                         : qint64(std::floor(value / 1000.0));
        case CsvBarParser::TimeUnit::Milliseconds:
            return intOk ? whole : qint64(std::llround(value));
        case CsvBarParser::TimeUnit::Seconds:
        case CsvBarParser::TimeUnit::Auto:
            break;
        }
        return intOk ? whole * 1000 : qint64(std::llround(value * 1000.0));
    }

    std::optional<qint64> dateTime(QString text, QString *why) const
    {
        text.replace(u'/', u'-');
        if (text.size() > 10 && (text[10] == u' ' || text[10] == u't'))
            text[10] = u'T';
        if (text.size() == 10) {
            const QDate d = QDate::fromString(text, Qt::ISODate);
            if (!d.isValid()) {
                *why = QStringLiteral("'%1' is neither a number nor a date").arg(text);
                return std::nullopt;
            }
            return inZone(d, QTime(0, 0), why);
        }
        const QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!dt.isValid()) {
            *why = QStringLiteral("'%1' is neither a number nor a date-time").arg(text);
            return std::nullopt;
        }
        if (dt.timeSpec() != Qt::LocalTime) // the text named its zone: Z or ±hh:mm
            return dt.toMSecsSinceEpoch();
        return inZone(dt.date(), dt.time(), why);
    }

    std::optional<qint64> inZone(QDate d, QTime t, QString *why) const
    {
        const QDateTime dt(d, t, zone);
        if (!dt.isValid() || dt.date() != d || dt.time() != t) {
            *why = QStringLiteral("%1 %2 does not exist in %3 (a daylight-saving gap)")
                       .arg(d.toString(Qt::ISODate), t.toString(QStringLiteral("HH:mm:ss")),
                            QString::fromUtf8(zone.id()));
            return std::nullopt;
        }
        return dt.toMSecsSinceEpoch();
    }
};

bool toPrice(const QByteArray &s, double *out)
{
    bool ok = false;
    *out = s.toDouble(&ok); // C locale: '.' decimals whatever the system locale
    return ok && std::isfinite(*out);
}

// What a non-regular file is, for the refusal.
QString kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return QStringLiteral("a directory");
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO (named pipe)");
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return QStringLiteral("a device");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    return QStringLiteral("not a regular file");
}

} // namespace

Result<CsvBarParser::Parsed> CsvBarParser::parseFile(const QString &path, const Options &options)
{
    const QByteArray native = QFile::encodeName(path);
    const auto refuse = [&](const QString &what) {
        return Error(Error::Kind::BadInput,
                     QStringLiteral("%1 is %2: give a regular CSV file").arg(path, what));
    };
    struct stat st;
    if (::stat(native.constData(), &st) != 0)
        return Error(Error::Kind::NotFound,
                     QStringLiteral("cannot read %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    if (!S_ISREG(st.st_mode))
        return refuse(kindOf(st.st_mode));
    // O_NONBLOCK: should the path have become a FIFO since the stat, the open does not wait
    // for a writer; fstat on the descriptor then refuses it.
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return Error(Error::Kind::NotFound,
                     QStringLiteral("cannot read %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const mode_t mode = st.st_mode;
        ::close(fd);
        return refuse(kindOf(mode));
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    QFile file;
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return Error(Error::Kind::NotFound, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    }
    return parse(file, options);
}

Result<QTimeZone> CsvBarParser::parseTimeZone(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty() || t.compare(QLatin1String("UTC"), Qt::CaseInsensitive) == 0
        || t.compare(QLatin1String("GMT"), Qt::CaseInsensitive) == 0 || t == QLatin1String("Z"))
        return QTimeZone::utc();
    static const QRegularExpression offset(
        QStringLiteral("^(?:UTC|GMT)?\\s*([+-])(\\d{1,2})(?::?(\\d{2}))?$"),
        QRegularExpression::CaseInsensitiveOption);
    if (const QRegularExpressionMatch m = offset.match(t); m.hasMatch()) {
        const int h = m.captured(2).toInt();
        const int min = m.captured(3).isEmpty() ? 0 : m.captured(3).toInt();
        if (h <= 14 && min < 60) {
            const int seconds = (h * 3600 + min * 60) * (m.captured(1) == QLatin1String("-") ? -1 : 1);
            return QTimeZone(seconds);
        }
    }
    const QTimeZone zone(t.toUtf8());
    if (zone.isValid())
        return zone;
    return Error(Error::Kind::BadInput,
                 QStringLiteral("unknown time zone '%1': use an IANA name such as "
                                "America/New_York, UTC, or an offset such as +02:00")
                     .arg(text));
}

TimeRange CsvBarParser::coveredRange(const Bars &bars, qint64 barMs)
{
    if (bars.empty())
        return {};
    const auto [lo, hi] = std::minmax_element(
        bars.cbegin(), bars.cend(), [](const Bar &a, const Bar &b) { return a.t < b.t; });
    return TimeRange{lo->t, hi->t + barMs};
}

Result<CsvBarParser::Parsed> CsvBarParser::parse(QIODevice &device, const Options &options)
{
    if (!device.isOpen() && !device.open(QIODevice::ReadOnly))
        return Error(Error::Kind::BadInput,
                     QStringLiteral("cannot read the CSV: %1").arg(device.errorString()));
    if (!device.isReadable())
        return Error(Error::Kind::BadInput, QStringLiteral("the CSV device is not readable"));
    Result<QTimeZone> zone = parseTimeZone(options.timeZone);
    if (!zone)
        return zone.error();
    const TimeParser parseTime{options.timeUnit, *zone};

    Parsed result;
    Layout layout;
    bool layoutKnown = false;
    int needed = 0; // fields a row must have to hold every mapped column
    QHash<qint64, int> lineOfTime;
    int lineNo = 0;
    // Blocks of 1 MiB split into lines here: QIODevice::readLine on an unbuffered device
    // (QBuffer, a pipe) reads one character at a time. A line longer than maxLineBytes stops
    // the parse: without the cap a file without newlines would be held whole in memory.
    const qsizetype maxLine = std::max(16, options.maxLineBytes);
    bool overlong = false;
    QByteArray block;
    qsizetype pos = 0;
    const auto nextLine = [&](QByteArray *out) {
        for (;;) {
            const qsizetype nl = block.indexOf('\n', pos);
            if (nl >= 0) {
                if (nl - pos > maxLine + 1) { // + 1: a trailing '\r'
                    overlong = true;
                    return false;
                }
                *out = block.mid(pos, nl - pos);
                pos = nl + 1;
                return true;
            }
            if (block.size() - pos > maxLine + 1) {
                overlong = true;
                return false;
            }
            const QByteArray more = device.read(1 << 20);
            if (more.isEmpty()) {
                if (pos >= block.size())
                    return false;
                *out = block.mid(pos);
                pos = block.size();
                return true;
            }
            block = block.mid(pos) + more;
            pos = 0;
        }
    };
    QByteArray raw;
    while (nextLine(&raw)) {
        ++lineNo;
        if (lineNo == 1 && raw.startsWith("\xEF\xBB\xBF"))
            raw.remove(0, 3);
        while (raw.endsWith('\r'))
            raw.chop(1);
        if (raw.trimmed().isEmpty())
            continue;

        if (!layoutKnown) {
            const QString line = QString::fromUtf8(raw);
            result.delimiter = options.delimiter.isNull() ? detectDelimiter(line) : options.delimiter;
            const QStringList fields = splitLine(line, result.delimiter);
            QString notATime;
            const bool header = options.header == Header::Yes
                || (options.header == Header::Auto && !isNumber(QStringView(fields.value(0)))
                    && !parseTime(fields.value(0).toUtf8(), &notATime));
            if (header) {
                for (int i = 0; i < fields.size(); ++i) {
                    const int col = columnOf(fields[i]);
                    if (col >= 0 && layout.index[col] < 0)
                        layout.index[col] = i;
                }
                // "Date,Time,…" exports: the two columns together are the time.
                if (layout.index[Time] < 0 && layout.index[DateOnly] >= 0) {
                    layout.index[Time] = layout.index[DateOnly];
                    layout.index[DateOnly] = -1;
                }
                QStringList missing;
                const char *names[] = {"time", "open", "high", "low", "close"};
                for (int c = Time; c <= Close; ++c)
                    if (layout.index[c] < 0)
                        missing << QLatin1String(names[c]);
                if (!missing.isEmpty())
                    return Error(Error::Kind::BadInput,
                                 QStringLiteral("the CSV header has no %1 column (it has: %2)")
                                     .arg(missing.join(QStringLiteral(", ")), fields.join(u',')),
                                 QStringLiteral("line %1").arg(lineNo));
                layout.fields = 0;
                result.hasHeader = true;
                result.format = fields.size() == 12 ? Format::Binance : Format::Generic;
                layoutKnown = true;
                continue;
            }
            // No header: the shape of the first row decides.
            if (fields.size() < 5)
                return Error(Error::Kind::BadInput,
                             QStringLiteral("cannot tell the CSV columns: the first row has %1 "
                                            "fields; expected t,o,h,l,c[,v] or Binance's 12")
                                 .arg(fields.size()),
                             QStringLiteral("line %1: %2").arg(lineNo).arg(line.left(200)));
            for (int c = Time; c <= Volume; ++c)
                layout.index[c] = c < fields.size() ? c : -1;
            layout.fields = int(fields.size());
            result.format = fields.size() == 12 ? Format::Binance : Format::Generic;
            layoutKnown = true;
        }
        if (needed == 0)
            for (int c = 0; c < ColumnCount; ++c)
                needed = std::max(needed, layout.index[c] + 1);

        ++result.dataRows;
        if (result.badRows.size() >= std::max(1, options.maxBadRows)) {
            const BadRow &first = result.badRows.constFirst();
            return Error(Error::Kind::BadInput,
                         QStringLiteral("%1 bad rows, the most reported (the first on line %2: %3); "
                                        "stopped reading at line %4: is this a CSV of bars?")
                             .arg(result.badRows.size())
                             .arg(first.line)
                             .arg(first.reason)
                             .arg(lineNo),
                         QStringLiteral("line %1").arg(lineNo));
        }
        const QList<QByteArray> f = splitRow(raw, result.delimiter);
        const auto bad = [&](const QString &why) { result.badRows.append({lineNo, why}); };
        if ((layout.fields && f.size() != layout.fields) || f.size() < needed) {
            bad(QStringLiteral("expected %1 fields, found %2")
                    .arg(layout.fields ? layout.fields : needed)
                    .arg(f.size()));
            continue;
        }
        QByteArray timeText = f[layout.index[Time]];
        if (layout.index[DateOnly] >= 0) // a separate date column before a time-of-day column
            timeText = f[layout.index[DateOnly]] + ' ' + timeText;
        QString why;
        const std::optional<qint64> t = parseTime(timeText, &why);
        if (!t) {
            bad(why);
            continue;
        }
        Bar b;
        b.t = *t;
        const struct { int col; double *field; const char *name; } values[] = {
            {Open, &b.o, "open"}, {High, &b.h, "high"}, {Low, &b.l, "low"},
            {Close, &b.c, "close"}, {Volume, &b.v, "volume"}};
        bool ok = true;
        for (const auto &v : values) {
            if (layout.index[v.col] < 0) // a file without volume
                continue;
            if (!toPrice(f[layout.index[v.col]], v.field)) {
                bad(QStringLiteral("%1 '%2' is not a number")
                        .arg(QLatin1String(v.name),
                             QString::fromUtf8(f[layout.index[v.col]].left(40))));
                ok = false;
                break;
            }
        }
        if (!ok)
            continue;
        if (b.h < std::max({b.o, b.c, b.l}) || b.l > std::min(b.o, b.c)) {
            bad(QStringLiteral("inconsistent prices: high %1, low %2, open %3, close %4")
                    .arg(b.h).arg(b.l).arg(b.o).arg(b.c));
            continue;
        }
        if (b.v < 0) {
            bad(QStringLiteral("negative volume %1").arg(b.v));
            continue;
        }
        if (const auto it = lineOfTime.constFind(b.t); it != lineOfTime.cend()) {
            bad(QStringLiteral("duplicate time %1 (first on line %2)")
                    .arg(QDateTime::fromMSecsSinceEpoch(b.t, Qt::UTC).toString(Qt::ISODate))
                    .arg(*it));
            continue;
        }
        lineOfTime.insert(b.t, lineNo);
        result.bars.push_back(b);
    }
    if (overlong)
        return Error(Error::Kind::BadInput,
                     QStringLiteral("line %1 is longer than %2 bytes: is this a CSV of bars?")
                         .arg(lineNo + 1)
                         .arg(maxLine),
                     QStringLiteral("line %1").arg(lineNo + 1));
    // Some exports are newest first; the store wants ascending.
    std::sort(result.bars.begin(), result.bars.end(),
              [](const Bar &a, const Bar &b) { return a.t < b.t; });
    return result;
}

} // namespace barkeep
