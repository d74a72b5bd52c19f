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
class ZipReader
{
public:
    // The first member whose name ends with `suffix` (any member if empty); CRC-32 checked.
    static Result<QByteArray> extractFirst(const QByteArray &zip, const QString &suffix = {});
};

} // namespace barkeep::crypto
