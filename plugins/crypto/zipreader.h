// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QString>

namespace barkeep::crypto {

// Reads one member of a zip held in memory. Binance's archive zips hold a single CSV,
// stored or deflated; Qt has no public zip API and a QProcess `unzip` would need a temp file
// and an external tool, so this reads the central directory itself and inflates raw deflate
// data with zlib. No zip64, encryption or multi-disk archives: those are reported, not read.
//
// Sizes in a downloaded zip are the sender's word: a member larger than `maxBytes` is refused
// before anything is allocated for it, a deflated member whose stated size is beyond what its
// compressed bytes could hold (deflate expands at most 1032:1) is refused as corrupt, and the
// output grows with what zlib actually produces, never to the stated size up front.
class ZipReader
{
public:
    // 256 MiB: a month of Binance 1m rows is about 7 MiB of CSV.
    static constexpr qsizetype kDefaultMaxMemberBytes = qsizetype(256) << 20;

    // The first member whose name ends with `suffix` (any member if empty); CRC-32 checked.
    static Result<QByteArray> extractFirst(const QByteArray &zip, const QString &suffix = {},
                                           qsizetype maxBytes = kDefaultMaxMemberBytes);
};

} // namespace barkeep::crypto
