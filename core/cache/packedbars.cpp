// SPDX-License-Identifier: GPL-3.0-or-later
#include "packedbars.h"

#include <QtEndian>

#include <cstring>

namespace barkeep::packedbars {

namespace {

constexpr char kMagic[4] = {'B', 'K', 'B', '1'};

void putDouble(char *out, double d)
{
    quint64 bits;
    std::memcpy(&bits, &d, sizeof bits);
    qToLittleEndian(bits, out);
}

double takeDouble(const char *in)
{
    const quint64 bits = qFromLittleEndian<quint64>(in);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

} // namespace

QByteArray encode(const Bars &bars)
{
    QByteArray out(kHeaderSize + qsizetype(bars.size()) * kBarSize, Qt::Uninitialized);
    char *p = out.data();
    std::memcpy(p, kMagic, 4);
    qToLittleEndian(quint32(bars.size()), p + 4);
    p += kHeaderSize;
    for (const Bar &b : bars) {
        qToLittleEndian(qint64(b.t), p);
        putDouble(p + 8, b.o);
        putDouble(p + 16, b.h);
        putDouble(p + 24, b.l);
        putDouble(p + 32, b.c);
        putDouble(p + 40, b.v);
        p += kBarSize;
    }
    return out;
}

std::optional<Bars> decode(const char *data, qsizetype size)
{
    if (size < kHeaderSize || std::memcmp(data, kMagic, 4) != 0)
        return std::nullopt;
    const quint32 count = qFromLittleEndian<quint32>(data + 4);
    if (size != kHeaderSize + qsizetype(count) * kBarSize)
        return std::nullopt;
    Bars bars(count);
    const char *p = data + kHeaderSize;
    for (Bar &b : bars) {
        b.t = qFromLittleEndian<qint64>(p);
        b.o = takeDouble(p + 8);
        b.h = takeDouble(p + 16);
        b.l = takeDouble(p + 24);
        b.c = takeDouble(p + 32);
        b.v = takeDouble(p + 40);
        p += kBarSize;
    }
    return bars;
}

} // namespace barkeep::packedbars
