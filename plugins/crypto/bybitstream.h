// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plugin/barstream.h"

#include <QTimer>

namespace barkeep::crypto {

// Bybit's public kline topic (provider-apis.md §6) on wss://stream.bybit.com/v5/public/<spot|
// linear>: subscribes kline.<interval>.<SYMBOL>, reports connected() on the acknowledgement
// ({"success":true,"op":"subscribe"}), a refused subscription as a lost connection. Pushes
// carry `confirm` (true = the candle closed). Bybit wants an application ping, {"op":"ping"},
// every 20 s (its pongs and the 1–60 s pushes keep the watchdog fed).
class BybitStream : public WebSocketBarStream
{
    Q_OBJECT

public:
    static constexpr int kPingIntervalMs = 20'000;

    BybitStream(const QUrl &url, const QString &nativeSymbol, const QString &interval,
                QObject *parent = nullptr);
    // The application ping's period (tests shorten it).
    void setAppPingInterval(int ms) { m_ping.setInterval(ms); }
    QString topic() const { return m_topic; }

protected:
    void handleOpened() override;
    void handleMessage(const QByteArray &message) override;
    void handleClosed() override;

private:
    QString m_topic;
    QTimer m_ping;
};

} // namespace barkeep::crypto
