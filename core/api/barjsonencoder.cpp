// SPDX-License-Identifier: GPL-3.0-or-later
#include "barjsonencoder.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace barkeep {

void BarJsonEncoder::appendDouble(QByteArray &out, double value)
{
    if (!std::isfinite(value)) {
        out.append("null", 4);
        return;
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, res.ptr - buf);
}

void BarJsonEncoder::appendInt(QByteArray &out, qint64 value)
{
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, res.ptr - buf);
}

void BarJsonEncoder::appendString(QByteArray &out, const QString &value)
{
    out.append('"');
    for (const char c : value.toUtf8()) {
        switch (c) {
        case '"': out.append("\\\"", 2); break;
        case '\\': out.append("\\\\", 2); break;
        case '\n': out.append("\\n", 2); break;
        case '\r': out.append("\\r", 2); break;
        case '\t': out.append("\\t", 2); break;
        default:
            if (uchar(c) < 0x20) {
                static const char hex[] = "0123456789abcdef";
                const char esc[6] = {'\\', 'u', '0', '0', hex[(uchar(c) >> 4) & 0xf], hex[uchar(c) & 0xf]};
                out.append(esc, 6);
            } else {
                out.append(c);
            }
        }
    }
    out.append('"');
}

namespace {
// Writes one bar into `p` (at least kMaxBarChars free) and returns the end. Writing into a
// plain buffer and appending once per bar avoids a QByteArray append (with its capacity
// check and, in 6.4, an insert() call for a single char) per number and comma.
constexpr int kMaxBarChars = 2 + 20 + 5 * (1 + 24) + 1;

char *writeDouble(char *p, double v)
{
    if (!std::isfinite(v)) {
        std::memcpy(p, "null", 4);
        return p + 4;
    }
    return std::to_chars(p, p + 24, v).ptr;
}

char *writeBar(char *p, const Bar &b)
{
    *p++ = '[';
    p = std::to_chars(p, p + 20, b.t).ptr;
    for (double v : {b.o, b.h, b.l, b.c, b.v}) {
        *p++ = ',';
        p = writeDouble(p, v);
    }
    *p++ = ']';
    return p;
}
} // namespace

void BarJsonEncoder::appendBar(QByteArray &out, const Bar &b)
{
    char buf[kMaxBarChars];
    out.append(buf, writeBar(buf, b) - buf);
}

void BarJsonEncoder::appendBars(QByteArray &out, const Bars &bars)
{
    // Grow once to the worst case, write in place, then trim to what was written.
    const qsizetype start = out.size();
    out.resize(start + 2 + qsizetype(bars.size()) * (kMaxBarChars + 1));
    char *const begin = out.data() + start;
    char *p = begin;
    *p++ = '[';
    for (size_t i = 0; i < bars.size(); ++i) {
        if (i)
            *p++ = ',';
        p = writeBar(p, bars[i]);
    }
    *p++ = ']';
    out.resize(start + (p - begin));
}

QByteArray BarJsonEncoder::csv(const Bars &bars)
{
    QByteArray out("t,open,high,low,close,volume\n");
    out.reserve(qsizetype(bars.size()) * 72 + out.size());
    for (const Bar &b : bars) {
        appendInt(out, b.t);
        for (double v : {b.o, b.h, b.l, b.c, b.v}) {
            out.append(',');
            if (std::isfinite(v))
                appendDouble(out, v);
        }
        out.append('\n');
    }
    return out;
}

} // namespace barkeep
