// SPDX-License-Identifier: GPL-3.0-or-later
// ZipReader never trusts the sizes written in a downloaded zip (issue 15, item 4): a stated
// uncompressed size over the cap, or beyond what deflate could produce from the compressed
// bytes, is refused before any allocation; a size that understates the data is corrupt.
#include "zipreader.h"
#include "zipwriter.h"

#include <QRandomGenerator>
#include <QTest>

using namespace barkeep;
using namespace barkeep::crypto;

namespace {

// The central directory entry's "uncompressed size" field of a one-member zip.
qsizetype sizeField(const QByteArray &zip)
{
    const qsizetype central = zip.indexOf(QByteArrayLiteral("PK\x01\x02"));
    return central < 0 ? -1 : central + 24;
}

QByteArray withStatedSize(QByteArray zip, quint32 size)
{
    const qsizetype at = sizeField(zip);
    for (int i = 0; i < 4; ++i)
        zip[at + i] = char(size >> (8 * i));
    return zip;
}

} // namespace

class TestZipReader : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        const QByteArray csv = QByteArray("1704067200000,1,2,0.5,1.5,10\n").repeated(5000);
        const QByteArray zip = fakes::ZipWriter::singleFile(QStringLiteral("a.csv"), csv);
        QVERIFY(sizeField(zip) > 0);
        const Result<QByteArray> out = ZipReader::extractFirst(zip, QStringLiteral(".csv"));
        QVERIFY2(out, out ? "" : qPrintable(out.error().toString()));
        QCOMPARE(*out, csv);
        // Larger than the 4 MiB first allocation: the output grows as it inflates.
        const QByteArray big = QByteArray("1704067200000,1,2,0.5,1.5,10,abcdefgh\n").repeated(200000);
        const Result<QByteArray> bigOut = ZipReader::extractFirst(fakes::ZipWriter::singleFile(QStringLiteral("b.csv"), big));
        QVERIFY2(bigOut, bigOut ? "" : qPrintable(bigOut.error().toString()));
        QCOMPARE(*bigOut, big);
    }

    void statedSizeOverCapRefused()
    {
        const QByteArray csv(100000, 'a');
        const QByteArray zip = fakes::ZipWriter::singleFile(QStringLiteral("a.csv"), csv);
        const Result<QByteArray> out = ZipReader::extractFirst(zip, {}, 50000);
        QVERIFY(!out);
        QCOMPARE(out.error().kind(), Error::Kind::BadResponse);
        QVERIFY2(out.error().message().contains(QLatin1String("more than the 50000 accepted")),
                 qPrintable(out.error().message()));
        // The default cap holds against a header claiming ~4 GiB.
        const Result<QByteArray> huge = ZipReader::extractFirst(withStatedSize(zip, 0xfffffff0u));
        QVERIFY(!huge);
        QVERIFY2(huge.error().message().contains(QLatin1String("accepted")), qPrintable(huge.error().message()));
    }

    // 200 MB stated from a few hundred compressed bytes: no deflate stream can do that.
    void impossibleRatioRefused()
    {
        const QByteArray zip = fakes::ZipWriter::singleFile(QStringLiteral("a.csv"), QByteArray(100000, 'a'));
        const Result<QByteArray> out = ZipReader::extractFirst(withStatedSize(zip, 200u << 20));
        QVERIFY(!out);
        QVERIFY2(out.error().message().contains(QLatin1String("not possible")), qPrintable(out.error().message()));
    }

    // A header that understates (a bomb behind a small size) or overstates the data is corrupt.
    void wrongStatedSizeIsCorrupt()
    {
        QByteArray rows;
        QRandomGenerator rng(15);
        while (rows.size() < (1 << 20))
            rows += QByteArray::number(rng.generate64()) + ',' + QByteArray::number(rng.generate()) + '\n';
        rows.truncate(1 << 20);
        const QByteArray zip = fakes::ZipWriter::singleFile(QStringLiteral("a.csv"), rows);
        QVERIFY(ZipReader::extractFirst(zip));
        Result<QByteArray> out = ZipReader::extractFirst(withStatedSize(zip, 1000));
        QVERIFY(!out);
        QVERIFY2(out.error().message().contains(QLatin1String("corrupt")), qPrintable(out.error().message()));
        out = ZipReader::extractFirst(withStatedSize(zip, (1 << 20) + 10));
        QVERIFY(!out);
        QVERIFY2(out.error().message().contains(QLatin1String("corrupt")), qPrintable(out.error().message()));
    }
};

QTEST_GUILESS_MAIN(TestZipReader)
#include "tst_zipreader.moc"
