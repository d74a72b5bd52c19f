// SPDX-License-Identifier: GPL-3.0-or-later
#include "zipwriter.h"

#include <zlib.h>

namespace barkeep::fakes {

namespace {
void put16(QByteArray &out, quint16 v)
{
    out.append(char(v & 0xff));
    out.append(char(v >> 8));
}
void put32(QByteArray &out, quint32 v)
{
    put16(out, quint16(v & 0xffff));
    put16(out, quint16(v >> 16));
}

QByteArray deflateRaw(const QByteArray &in)
{
    z_stream zs{};
    // Fastest level: the format is the same for any level, and a month of 1m rows is ~4 MB
    // of CSV the fake builds on its one thread (level 6 took most of its time).
    deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(qsizetype(deflateBound(&zs, uLong(in.size()))), Qt::Uninitialized);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
    zs.avail_in = uInt(in.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    deflate(&zs, Z_FINISH);
    out.truncate(qsizetype(zs.total_out));
    deflateEnd(&zs);
    return out;
}
} // namespace

QByteArray ZipWriter::singleFile(const QString &name, const QByteArray &content)
{
    const QByteArray fileName = name.toUtf8();
    const QByteArray packed = deflateRaw(content);
    const quint32 crc
        = quint32(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef *>(content.constData()),
                        uInt(content.size())));
    constexpr quint16 kDosTime = 0, kDosDate = (2020 - 1980) << 9 | 1 << 5 | 1;
    QByteArray zip;
    // local file header
    put32(zip, 0x04034b50);
    put16(zip, 20);
    put16(zip, 0);
    put16(zip, 8);
    put16(zip, kDosTime);
    put16(zip, kDosDate);
    put32(zip, crc);
    put32(zip, quint32(packed.size()));
    put32(zip, quint32(content.size()));
    put16(zip, quint16(fileName.size()));
    put16(zip, 0);
    zip += fileName;
    zip += packed;
    // central directory
    const quint32 cdAt = quint32(zip.size());
    put32(zip, 0x02014b50);
    put16(zip, 20);
    put16(zip, 20);
    put16(zip, 0);
    put16(zip, 8);
    put16(zip, kDosTime);
    put16(zip, kDosDate);
    put32(zip, crc);
    put32(zip, quint32(packed.size()));
    put32(zip, quint32(content.size()));
    put16(zip, quint16(fileName.size()));
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, 0);
    put32(zip, 0);
    put32(zip, 0); // local header offset
    zip += fileName;
    const quint32 cdSize = quint32(zip.size()) - cdAt;
    // end of central directory
    put32(zip, 0x06054b50);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, 1);
    put16(zip, 1);
    put32(zip, cdSize);
    put32(zip, cdAt);
    put16(zip, 0);
    return zip;
}

} // namespace barkeep::fakes
