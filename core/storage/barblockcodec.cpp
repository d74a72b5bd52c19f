// SPDX-License-Identifier: GPL-3.0-or-later
#include "barblockcodec.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace barkeep {

namespace {

constexpr quint8 kVersion = 1;
constexpr quint8 kRaw = 0xFF;    // column scale: raw doubles
constexpr int kMaxScale = 12;    // 10^12: enough for every provider's tick and lot sizes
constexpr double kMaxExact = 9007199254740992.0; // 2^53

constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5, 1e6,
                                          1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

// v == scaled / 10^k exactly, with |scaled| < 2^53 so the integer is exact too. decode()
// computes the very same division, so the round trip is bit-exact.
// nearbyint() in the default rounding mode without the libm call: adding and subtracting
// 1.5 * 2^52 leaves x rounded to an integer, half to even, for |x| < 2^51.
inline double roundToInteger(double x)
{
    constexpr double kMagic = 6755399441055744.0; // 1.5 * 2^52
    if (std::fabs(x) < 2251799813685248.0)        // 2^51
        return (x + kMagic) - kMagic;
    return std::nearbyint(x);
}

inline bool fits(double v, int k, double &scaled)
{
    scaled = roundToInteger(v * kPow10[k]);
    return std::fabs(scaled) < kMaxExact && scaled / kPow10[k] == v;
}

// Smallest k that fits every value, or kRaw. Fitting at k does not imply fitting at a larger
// k (v * 10^k can pass 2^53), so when a value raises k, the values before it are checked
// again at the new k: the scale returned holds for every value of the block.
template <typename Get>
quint8 findScale(const Bar *bars, size_t n, Get get, int fieldsPerBar)
{
    const size_t total = n * size_t(fieldsPerBar);
    int k = 0;
    double s;
    size_t end = total; // every value in [end, total) fits at k
    for (;;) {
        bool raised = false;
        size_t lastRaise = 0;
        for (size_t i = 0, x = 0; x < end; ++i) {
            for (int f = 0; f < fieldsPerBar && x < end; ++f, ++x) {
                const double v = get(bars[i], f);
                if (!std::isfinite(v) || (v == 0 && std::signbit(v)))
                    return kRaw;
                if (fits(v, k, s))
                    continue;
                do {
                    if (++k > kMaxScale)
                        return kRaw;
                } while (!fits(v, k, s));
                raised = true;
                lastRaise = x;
            }
        }
        if (!raised)
            return quint8(k);
        // After a full pass, what follows the last raise was checked at the final k; after a
        // partial one, the tail was checked at an older k, so everything is checked again.
        end = end == total ? lastRaise : total;
    }
}

inline void putVarint(std::string &out, quint64 v)
{
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
        buf[n++] = char(v | 0x80);
        v >>= 7;
    }
    buf[n++] = char(v);
    out.append(buf, n);
}

// The same into a buffer sized beforehand (the per-bar loop: no capacity checks).
inline char *putVarint(char *p, quint64 v)
{
    while (v >= 0x80) {
        *p++ = char(v | 0x80);
        v >>= 7;
    }
    *p++ = char(v);
    return p;
}

inline quint64 zigzag(qint64 v) { return (quint64(v) << 1) ^ quint64(v >> 63); }
inline qint64 unzigzag(quint64 v) { return qint64(v >> 1) ^ -qint64(v & 1); }

inline char *putDouble(char *p, double v)
{
    std::memcpy(p, &v, 8);
    return p + 8;
}

struct Reader
{
    const quint8 *p;
    const quint8 *end;
    bool ok = true;

    quint64 varint()
    {
        quint64 v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                ok = false;
                return 0;
            }
            const quint8 b = *p++;
            v |= quint64(b & 0x7F) << shift;
            if (!(b & 0x80))
                return v;
        }
        ok = false;
        return 0;
    }
    double raw()
    {
        if (end - p < 8) {
            ok = false;
            return 0;
        }
        double v;
        std::memcpy(&v, p, 8);
        p += 8;
        return v;
    }
    quint8 byte()
    {
        if (p >= end) {
            ok = false;
            return 0;
        }
        return *p++;
    }
};

} // namespace

void BarBlockCodec::encode(const Bar *bars, size_t count, qint64 baseMs, std::string &out)
{
    bool minutes = true;
    for (size_t i = 0; i < count && minutes; ++i)
        minutes = (bars[i].t - baseMs) % kMinuteMs == 0;
    const qint64 unit = minutes ? kMinuteMs : 1;
    const quint8 priceScale = findScale(
        bars, count,
        [](const Bar &b, int f) { return f == 0 ? b.o : f == 1 ? b.h : f == 2 ? b.l : b.c; }, 4);
    const quint8 volumeScale = findScale(bars, count, [](const Bar &b, int) { return b.v; }, 1);

    out.push_back(char(kVersion));
    out.push_back(char(minutes ? 0 : 1));
    out.push_back(char(priceScale));
    out.push_back(char(volumeScale));
    putVarint(out, count);

    // At most 6 varints of 10 bytes per bar (raw columns: a varint and 5 doubles, less).
    const size_t start = out.size();
    out.resize(start + count * 60);
    char *p = out.data() + start;
    const double pScale = priceScale == kRaw ? 1 : kPow10[priceScale];
    const double vScale = volumeScale == kRaw ? 1 : kPow10[volumeScale];
    qint64 prevT = baseMs - unit; // so the first step is (t - base) / unit
    qint64 prevC = 0;
    for (size_t i = 0; i < count; ++i) {
        const Bar &b = bars[i];
        // Steps of at least one unit; store step - 1 so consecutive minutes are a 0 byte.
        p = putVarint(p, quint64((b.t - prevT) / unit - 1));
        prevT = b.t;
        if (priceScale == kRaw) {
            p = putDouble(p, b.o);
            p = putDouble(p, b.h);
            p = putDouble(p, b.l);
            p = putDouble(p, b.c);
        } else {
            const qint64 o = qint64(roundToInteger(b.o * pScale));
            const qint64 h = qint64(roundToInteger(b.h * pScale));
            const qint64 l = qint64(roundToInteger(b.l * pScale));
            const qint64 c = qint64(roundToInteger(b.c * pScale));
            p = putVarint(p, zigzag(o - prevC));
            p = putVarint(p, zigzag(c - o));
            p = putVarint(p, zigzag(h - std::max(o, c)));
            p = putVarint(p, zigzag(std::min(o, c) - l));
            prevC = c;
        }
        if (volumeScale == kRaw)
            p = putDouble(p, b.v);
        else
            p = putVarint(p, zigzag(qint64(roundToInteger(b.v * vScale))));
    }
    out.resize(size_t(p - out.data()));
}

bool BarBlockCodec::decode(const char *data, size_t size, qint64 baseMs, TimeRange range,
                           Bars &out, qint64 limit)
{
    Reader r{reinterpret_cast<const quint8 *>(data), reinterpret_cast<const quint8 *>(data) + size};
    if (r.byte() != kVersion)
        return false;
    const quint8 timeKind = r.byte();
    const quint8 priceScale = r.byte();
    const quint8 volumeScale = r.byte();
    const quint64 count = r.varint();
    if (!r.ok || timeKind > 1 || (priceScale != kRaw && priceScale > kMaxScale)
        || (volumeScale != kRaw && volumeScale > kMaxScale) || count > size)
        return false;
    const qint64 unit = timeKind == 0 ? kMinuteMs : 1;
    const double pScale = priceScale == kRaw ? 1 : kPow10[priceScale];
    const double vScale = volumeScale == kRaw ? 1 : kPow10[volumeScale];
    qint64 t = baseMs - unit;
    qint64 prevC = 0;
    const size_t cap = limit > 0 ? size_t(limit) : std::numeric_limits<size_t>::max();
    for (quint64 i = 0; i < count; ++i) {
        Bar b;
        // A block read back from a corrupt store may hold any varints: a time or price that
        // leaves 64 bits makes the block malformed (wrapping would be undefined behaviour).
        const quint64 step = r.varint();
        qint64 dt;
        if (step >= quint64(std::numeric_limits<qint64>::max())
            || __builtin_mul_overflow(qint64(step) + 1, unit, &dt) || __builtin_add_overflow(t, dt, &t))
            return false;
        b.t = t;
        if (priceScale == kRaw) {
            b.o = r.raw();
            b.h = r.raw();
            b.l = r.raw();
            b.c = r.raw();
        } else {
            qint64 o, c, h, l;
            if (__builtin_add_overflow(prevC, unzigzag(r.varint()), &o)
                || __builtin_add_overflow(o, unzigzag(r.varint()), &c)
                || __builtin_add_overflow(std::max(o, c), unzigzag(r.varint()), &h)
                || __builtin_sub_overflow(std::min(o, c), unzigzag(r.varint()), &l))
                return false;
            prevC = c;
            b.o = double(o) / pScale;
            b.h = double(h) / pScale;
            b.l = double(l) / pScale;
            b.c = double(c) / pScale;
        }
        b.v = volumeScale == kRaw ? r.raw() : double(unzigzag(r.varint())) / vScale;
        if (!r.ok)
            return false;
        if (t >= range.to)
            break; // ascending: nothing later can match
        if (t >= range.from) {
            if (out.size() >= cap)
                break;
            out.push_back(b);
        }
    }
    return r.ok;
}

} // namespace barkeep
