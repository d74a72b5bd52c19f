// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamfake.h"

namespace barkeep::fakes {

class FakeServer;

// Bybit's public kline topic (provider-apis.md §6), 1m only here: {"op":"subscribe","args":
// ["kline.1.BTCUSDT"]} answered {"success":true,"ret_msg":"subscribe",…,"op":"subscribe"}
// (an unknown topic with success false), {"op":"ping"} with the pong
// {"success":true,"ret_msg":"pong",…,"op":"ping"}; pushes {"topic","type":"snapshot","ts",
// "data":[{start,end,interval,open,close,high,low,volume,turnover,confirm,timestamp}]} with
// string prices and numeric times. Truth comes from the REST fake (the spot key of a symbol).
class BybitStreamFake : public StreamFake
{
    Q_OBJECT

public:
    explicit BybitStreamFake(const FakeServer *rest, QObject *parent = nullptr);
    int pingsReceived() const { return m_pings; }

protected:
    void handleOpen(Client &client, const QUrl &url) override;
    void handleText(Client &client, const QByteArray &message) override;
    QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) override;

private:
    int m_pings = 0;
};

} // namespace barkeep::fakes
