// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp). Each target is a plain
// LLVMFuzzerTestOneInput; the corpus runner (tst_fuzzcorpus) compiles the same file with the
// entry point renamed, so one source serves the clang fuzz build and the normal gcc build.
#include <QByteArray>

#include <cstddef>
#include <cstdint>

namespace barkeep::fuzz {

// A deep copy: the parsers may keep views into their input, and libFuzzer frees the buffer
// after the call, so nothing may point into it afterwards.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Splits a leading selector byte off the input, to let one target vary the options it passes.
inline uint8_t takeSelector(const uint8_t *&data, size_t &size)
{
    if (size == 0)
        return 0;
    const uint8_t s = data[0];
    ++data;
    --size;
    return s;
}

// Results are consumed so the optimiser cannot drop the parse.
template<typename T>
inline void consume(const T &value)
{
    asm volatile("" : : "g"(&value) : "memory");
}

} // namespace barkeep::fuzz
