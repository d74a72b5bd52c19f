// SPDX-License-Identifier: GPL-3.0-or-later
#include "barjsonencoder.h"

#include <charconv>
#include <cmath>

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

void BarJsonEncoder::appendBar(QByteArray &out, const Bar &b)
{
    out.append('[');
    appendInt(out, b.t);
    out.append(',');
    appendDouble(out, b.o);
    out.append(',');
    appendDouble(out, b.h);
    out.append(',');
    appendDouble(out, b.l);
    out.append(',');
    appendDouble(out, b.c);
    out.append(',');
    appendDouble(out, b.v);
    out.append(']');
}

void BarJsonEncoder::appendBars(QByteArray &out, const Bars &bars)
{
    out.reserve(out.size() + qsizetype(bars.size()) * 72 + 2);
    out.append('[');
    for (size_t i = 0; i < bars.size(); ++i) {
        if (i)
            out.append(',');
        appendBar(out, bars[i]);
    }
    out.append(']');
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
