// SPDX-License-Identifier: GPL-3.0-or-later
// A zip held in memory → its first (.csv) member (ZipReader::extractFirst): central directory,
// local headers, stored and deflated data, CRC-32.
#include "fuzzinput.h"
#include "zipreader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const QByteArray zip = fuzz::bytes(data, size);
    const Result<QByteArray> csv = crypto::ZipReader::extractFirst(zip, QStringLiteral(".csv"));
    fuzz::consume(csv);
    const Result<QByteArray> any = crypto::ZipReader::extractFirst(zip);
    fuzz::consume(any);
    return 0;
}
