// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/barstream.h"

namespace barkeep::crypto {

// Binance's raw kline stream (provider-apis.md §1): the stream name is in the URL, so there is
// nothing to subscribe — the first kline frame confirms it. Binance pushes every 2 s, so 30 s
// of silence means a dead connection; its own pings are answered by QWebSocket.
class BinanceStream : public WebSocketBarStream
{
    Q_OBJECT

public:
    BinanceStream(const QUrl &url, const QString &nativeSymbol, QObject *parent = nullptr);

protected:
    void handleOpened() override;
    void handleMessage(const QByteArray &message) override;

private:
    QString m_symbol;
};

} // namespace barkeep::crypto
