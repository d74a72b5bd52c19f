// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/barstream.h"

namespace barkeep {

// Alpaca's real-time bars for one symbol (provider-apis.md §4): waits for
// [{"T":"success","msg":"connected"}], sends the auth message, then subscribes to `bars` and
// `updatedBars`; connected() on the subscription answer that lists the symbol. Every `b` bar
// covers a minute that just ended, so it is final; a `u` bar corrects a finished minute and is
// final too. Alpaca sends no forming minute. An {"T":"error"} ends the connection with its code
// and text (never the credentials).
class AlpacaStream : public WebSocketBarStream
{
    Q_OBJECT

public:
    AlpacaStream(const QUrl &url, const QString &symbol, const QString &key,
                 const QString &secret, QObject *parent = nullptr);

protected:
    void handleOpened() override {}
    void handleMessage(const QByteArray &message) override;

private:
    QString m_symbol;
    QString m_key;
    QString m_secret;
};

} // namespace barkeep
