// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/barstream.h"

#include <QTimer>

namespace barkeep::crypto {

// OKX's candle channel (provider-apis.md §7) on wss://ws.okx.com:8443/ws/v5/business:
// subscribes {"channel":"candle<bar>","instId":…}, connected() on the {"event":"subscribe"}
// acknowledgement, an {"event":"error"} as a lost connection. A push holds rows of the 9
// strings of a REST row, `confirm` "1" = closed; the volume is `vol` for spot and `volCcy`
// for swaps, as over REST. OKX drops a connection silent for 30 s: the text "ping" goes out
// every 20 s and is answered "pong".
class OkxStream : public WebSocketBarStream
{
    Q_OBJECT

public:
    static constexpr int kPingIntervalMs = 20'000;

    OkxStream(const QUrl &url, const QString &instId, const QString &bar, bool swap,
              QObject *parent = nullptr);
    void setAppPingInterval(int ms) { m_ping.setInterval(ms); }

protected:
    void handleOpened() override;
    void handleMessage(const QByteArray &message) override;
    void handleClosed() override;

private:
    QString m_instId;
    QString m_channel;
    bool m_swap;
    QTimer m_ping;
};

} // namespace barkeep::crypto
