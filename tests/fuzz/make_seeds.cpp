// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the binary seeds of the store, cache and fan-out fuzz targets with the real
// encoders, so the fuzzers start from valid encodings: `barkeep_fuzz_seeds <corpus dir>`
// (built with -DBARKEEP_FUZZ=ON; the output is committed under tests/fuzz/corpus/).
#include "api/stream/redisfanout.h"
#include "cache/packedbars.h"
#include "storage/barblockcodec.h"

#include <QDir>
#include <QFile>

#include <cmath>
#include <cstdio>

using namespace barkeep;

namespace {

constexpr qint64 kBase = 1'704'067'200'000; // fuzz_barblock_codec.cpp's block day

bool write(const QString &dir, const char *target, const char *name, const QByteArray &bytes)
{
    const QString sub = dir + QLatin1Char('/') + QLatin1String(target);
    QDir().mkpath(sub);
    QFile f(sub + QLatin1Char('/') + QLatin1String(name));
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Bars of a short-decimal price walk, as providers send them: prices are integers of
// `digits` decimals divided by 10^digits, the double a parser makes of "43251.23".
Bars walk(int n, qint64 stepMs, qint64 price, int digits, int gapEvery = 0)
{
    const double scale = std::pow(10.0, digits);
    Bars bars;
    qint64 t = kBase;
    for (int i = 0; i < n; ++i) {
        const qint64 o = price;
        const qint64 c = price + (i * 7919) % 11 - 5;
        bars.push_back({t, double(o) / scale, double(std::max(o, c) + 1) / scale,
                        double(std::min(o, c) - 2) / scale, double(c) / scale,
                        double((i * 104729) % 100000) / 1000});
        price = c;
        t += stepMs * (gapEvery && i % gapEvery == gapEvery - 1 ? 5 : 1);
    }
    return bars;
}

QByteArray block(uint8_t selector, const Bars &bars)
{
    std::string out;
    BarBlockCodec::encode(bars.data(), bars.size(), kBase, out);
    return QByteArray(1, char(selector)) + QByteArray(out.data(), qsizetype(out.size()));
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    const QString dir = QString::fromLocal8Bit(argv[1]);
    bool ok = true;

    const char *codec = "fuzz_barblock_codec";
    ok &= write(dir, codec, "empty", block(0, {}));
    ok &= write(dir, codec, "minutes_btc", block(0x13, walk(60, kMinuteMs, 4325123, 2)));
    ok &= write(dir, codec, "minutes_gaps", block(0x25, walk(40, kMinuteMs, 1234, 5, 7)));
    ok &= write(dir, codec, "milliseconds", block(0x4a, walk(30, 1500, 18750, 2)));
    Bars raw = walk(12, kMinuteMs, 100, 2);
    for (Bar &b : raw) // not short decimals: the raw-double columns
        b.o = b.o / 3, b.v = std::sqrt(b.v + 2);
    ok &= write(dir, codec, "raw_doubles", block(0x91, raw));
    Bars negative = walk(8, kMinuteMs, -55, 1);
    ok &= write(dir, codec, "negative_limit", block(0xc2, negative));

    const char *packed = "fuzz_packed_bars";
    ok &= write(dir, packed, "empty", packedbars::encode({}));
    ok &= write(dir, packed, "one", packedbars::encode(walk(1, kMinuteMs, 1000, 1)));
    ok &= write(dir, packed, "five", packedbars::encode(walk(5, kMinuteMs, 4325123, 2)));

    const char *fanout = "fuzz_redis_fanout";
    const QByteArray id = QByteArray::fromHex("0123456789abcdef0123456789abcdef");
    const Bar bar = walk(1, kMinuteMs, 4325123, 2).front();
    ok &= write(dir, fanout, "final", RedisFanout::encode(id, RedisFanout::Kind::Final, bar));
    ok &= write(dir, fanout, "forming", RedisFanout::encode(id, RedisFanout::Kind::Forming, bar));
    ok &= write(dir, fanout, "released", RedisFanout::encode(id, RedisFanout::Kind::Released));

    if (!ok)
        std::fprintf(stderr, "could not write every seed under %s\n", argv[1]);
    return ok ? 0 : 1;
}
