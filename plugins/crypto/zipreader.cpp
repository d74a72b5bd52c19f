// SPDX-License-Identifier: GPL-3.0-or-later
#include "zipreader.h"

#include <zlib.h>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace barkeep::crypto {

namespace {
constexpr quint32 kEndOfCentralDir = 0x06054b50;
constexpr quint32 kCentralHeader = 0x02014b50;
constexpr quint32 kLocalHeader = 0x04034b50;
// Deflate's best ratio is 1032:1 (RFC 1951 blocks of 258-byte matches); with slack for the
// block headers of tiny streams.
constexpr qsizetype kMaxDeflateRatio = 1032;
constexpr qsizetype kMaxDeflateSlack = 1024;
constexpr qsizetype kInitialOutput = qsizetype(4) << 20;

quint16 u16(const QByteArray &d, qsizetype at)
{
    return quint16(uchar(d[at])) | quint16(uchar(d[at + 1])) << 8;
}
quint32 u32(const QByteArray &d, qsizetype at)
{
    return quint32(u16(d, at)) | quint32(u16(d, at + 2)) << 16;
}
Error bad(const QString &why)
{
    return Error(Error::Kind::BadResponse, u"zip: %1"_s.arg(why));
}

// Inflates into a buffer that grows with the output (doubling from at most 4 MiB), so a
// stated size that lies costs only what the data really inflates to; more than `expected`
// bytes, or fewer, is corrupt.
Result<QByteArray> inflateRaw(const char *data, qsizetype size, qsizetype expected)
{
    QByteArray out(std::min(expected, kInitialOutput), Qt::Uninitialized);
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) // negative window bits: raw deflate, no header
        return bad(u"inflateInit2 failed"_s);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data));
    zs.avail_in = uInt(size);
    int rc = Z_OK;
    for (;;) {
        const qsizetype produced = qsizetype(zs.total_out);
        if (produced == out.size()) {
            if (out.size() >= expected) { // full: the stream must end here
                // Room for one more byte tells "ends exactly" from "goes on".
                char probe;
                zs.next_out = reinterpret_cast<Bytef *>(&probe);
                zs.avail_out = 1;
                rc = inflate(&zs, Z_FINISH);
                break;
            }
            out.resize(std::min(expected, out.size() * 2));
        }
        zs.next_out = reinterpret_cast<Bytef *>(out.data() + produced);
        zs.avail_out = uInt(out.size() - produced);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK)
            break;
    }
    const qsizetype produced = qsizetype(zs.total_out);
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != expected)
        return bad(u"deflate data is corrupt (zlib %1, %2 of %3 bytes)"_s.arg(rc).arg(produced).arg(
            expected));
    return out;
}
} // namespace

Result<QByteArray> ZipReader::extractFirst(const QByteArray &zip, const QString &suffix,
                                           qsizetype maxBytes)
{
    // The end-of-central-directory record sits in the last 22 + up to 65535 (comment) bytes.
    qsizetype eocd = -1;
    for (qsizetype at = zip.size() - 22; at >= 0 && at >= zip.size() - 22 - 65535; --at)
        if (u32(zip, at) == kEndOfCentralDir) {
            eocd = at;
            break;
        }
    if (eocd < 0)
        return bad(u"no end of central directory (not a zip?)"_s);
    const int entries = u16(zip, eocd + 10);
    qsizetype at = u32(zip, eocd + 16);
    for (int i = 0; i < entries; ++i) {
        if (at < 0 || at + 46 > zip.size() || u32(zip, at) != kCentralHeader)
            return bad(u"broken central directory"_s);
        const int flags = u16(zip, at + 8);
        const int method = u16(zip, at + 10);
        const quint32 crc = u32(zip, at + 16);
        const quint32 packed = u32(zip, at + 20);
        const quint32 size = u32(zip, at + 24);
        const int nameLen = u16(zip, at + 28);
        const int extraLen = u16(zip, at + 30);
        const int commentLen = u16(zip, at + 32);
        const qsizetype local = u32(zip, at + 42);
        const QString name = QString::fromUtf8(zip.mid(at + 46, nameLen));
        at += 46 + nameLen + extraLen + commentLen;
        if (!suffix.isEmpty() && !name.endsWith(suffix, Qt::CaseInsensitive))
            continue;
        if (flags & 1)
            return bad(u"%1 is encrypted"_s.arg(name));
        if (packed == 0xffffffffu || size == 0xffffffffu)
            return bad(u"%1 needs zip64, not supported"_s.arg(name));
        if (qsizetype(size) > maxBytes)
            return bad(u"%1 states %2 bytes uncompressed, more than the %3 accepted"_s.arg(name)
                           .arg(size)
                           .arg(maxBytes));
        if (method == 8 && qsizetype(size) > qsizetype(packed) * kMaxDeflateRatio + kMaxDeflateSlack)
            return bad(u"%1 states %2 bytes uncompressed from %3 deflated: not possible, corrupt"_s
                           .arg(name)
                           .arg(size)
                           .arg(packed));
        if (local + 30 > zip.size() || u32(zip, local) != kLocalHeader)
            return bad(u"broken local header of %1"_s.arg(name));
        // Sizes come from the central directory: the local copy is zero when bit 3 is set.
        const qsizetype dataAt = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
        if (dataAt + qsizetype(packed) > zip.size())
            return bad(u"%1 is truncated"_s.arg(name));
        QByteArray out;
        if (method == 0) {
            if (packed != size)
                return bad(u"stored member %1 has inconsistent sizes"_s.arg(name));
            out = zip.mid(dataAt, packed);
        } else if (method == 8) {
            Result<QByteArray> inflated = inflateRaw(zip.constData() + dataAt, packed, size);
            if (!inflated)
                return inflated.error();
            out = std::move(inflated).value();
        } else {
            return bad(u"%1 uses compression method %2"_s.arg(name).arg(method));
        }
        const quint32 actual
            = quint32(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef *>(out.constData()),
                            uInt(out.size())));
        if (actual != crc)
            return bad(u"CRC mismatch in %1"_s.arg(name));
        return out;
    }
    return Error(Error::Kind::BadResponse,
                 u"zip has no member ending in '%1'"_s.arg(suffix.isEmpty() ? u"*"_s : suffix));
}

} // namespace barkeep::crypto
