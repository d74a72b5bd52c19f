// SPDX-License-Identifier: GPL-3.0-or-later
// Runs every committed seed corpus file (tests/fuzz/corpus/*/*) through every fuzz target's
// entry point in the normal build, so the inputs the fuzzers start from, and the findings
// added to the corpora later, are parsed in every CI run without clang. A crash, a hang
// (ctest timeout) or a sanitizer report in the ASan build fails it.
#include "fuzztargets.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QTest>

#include <cstring>
#include <memory>

class TestFuzzCorpus : public QObject
{
    Q_OBJECT

private:
    static QString corpusDir() { return QStringLiteral(BARKEEP_FUZZ_CORPUS_DIR); }

    // Every corpus file, the target's own first.
    static QStringList filesFor(const QString &target)
    {
        QStringList own;
        QStringList others;
        QDirIterator it(corpusDir(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            (QFileInfo(path).dir().dirName() == target ? own : others) << path;
        }
        own.sort();
        others.sort();
        return own + others;
    }

private slots:
    void everyTargetHasACorpus()
    {
        for (const FuzzTarget &t : kFuzzTargets) {
            const QDir dir(corpusDir() + QLatin1Char('/') + QLatin1String(t.name));
            QVERIFY2(dir.exists(), t.name);
            QVERIFY2(dir.entryList(QDir::Files).size() >= 3, t.name);
        }
    }

    void corpus_data()
    {
        QTest::addColumn<int>("index");
        int i = 0;
        for (const FuzzTarget &t : kFuzzTargets)
            QTest::newRow(t.name) << i++;
    }

    void corpus()
    {
        QFETCH(int, index);
        const FuzzTarget &target = kFuzzTargets[index];
        const QStringList files = filesFor(QLatin1String(target.name));
        QVERIFY(!files.isEmpty());
        QElapsedTimer timer;
        timer.start();
        for (const QString &path : files) {
            QFile f(path);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray data = f.readAll();
            // An owned copy of exactly `size` bytes, as libFuzzer passes it (no terminator).
            std::unique_ptr<uint8_t[]> copy(new uint8_t[size_t(data.size()) + 1]);
            std::memcpy(copy.get(), data.constData(), size_t(data.size()));
            QCOMPARE(target.run(copy.get(), size_t(data.size())), 0);
        }
        qInfo("%s: %lld files in %lld ms", target.name, qlonglong(files.size()),
              qlonglong(timer.elapsed()));
    }
};

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "tst_fuzzcorpus.moc"
