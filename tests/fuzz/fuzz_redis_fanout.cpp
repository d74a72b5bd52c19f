// SPDX-License-Identifier: GPL-3.0-or-later
// A stream fan-out message (RedisFanout::decode, core/api/stream/redisfanout.h) as it arrives
// on a bk:stream:v1 Pub/Sub channel, where any client of the shared Redis may publish. A
// message that decodes carries a finite bar and is exactly what encode makes of it.
#include "api/stream/redisfanout.h"
#include "fuzzinput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const QByteArray payload = fuzz::bytes(data, size);
    const std::optional<RedisFanout::Message> m = RedisFanout::decode(payload);
    if (!m)
        return 0;
    if (m->instance.size() != 16)
        __builtin_trap();
    if (m->kind != RedisFanout::Kind::Released && !m->bar.isFinite())
        __builtin_trap();
    if (RedisFanout::encode(m->instance, m->kind, m->bar) != payload)
        __builtin_trap();
    return 0;
}
