// SPDX-License-Identifier: GPL-3.0-or-later
// The config loader (Config::load, core/config/config.h) on a config file's bytes, or with
// the selector's low bit set, on the same bytes as --set lines and BARKEEP_* environment
// variables ("KEY=value" per line). A config file is local, but it is often copied from
// elsewhere, and load() must report, never crash or hang, whatever it holds. What loads
// has only known keys, and every problem names its source.
#include "config/config.h"
#include "fuzzinput.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

namespace {

// One scratch file per process, rewritten for each input.
const QString &scratchFile()
{
    static QTemporaryDir dir;
    static const QString path = dir.path() + QStringLiteral("/barkeep.json");
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace barkeep;
    const uint8_t s = fuzz::takeSelector(data, size);
    const QByteArray input = fuzz::bytes(data, size);

    ConfigSources sources;
    sources.dataDir = QDir::tempPath();
    if (s & 1) {
        for (const QByteArray &line : input.split('\n')) {
            const QString text = QString::fromUtf8(line);
            if (s & 2)
                sources.sets << text;
            else if (const qsizetype eq = text.indexOf(QLatin1Char('=')); eq > 0)
                sources.environment.insert(QStringLiteral("BARKEEP_") + text.left(eq), text.mid(eq + 1));
        }
    } else {
        QFile file(scratchFile());
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(input) != input.size())
            __builtin_trap();
        file.close();
        sources.filePath = file.fileName();
        sources.fileRequired = s & 2;
    }
    const Config::LoadResult loaded = Config::load(sources);
    const QStringList known = Config::knownKeys();
    for (const QString &key : loaded.config.keys())
        if (!known.contains(key))
            __builtin_trap();
    for (const QString &problem : loaded.problems)
        if (problem.isEmpty())
            __builtin_trap();
    return 0;
}
