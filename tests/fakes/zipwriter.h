// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace barkeep::fakes {

// Builds a one-member zip (deflated with zlib) as Binance's archive serves them.
class ZipWriter
{
public:
    static QByteArray singleFile(const QString &name, const QByteArray &content);
};

} // namespace barkeep::fakes
