// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamfake.h"

namespace barkeep::fakes {

class FakeServer;

// OKX's candle channel (provider-apis.md §7), candle1m only here, on /ws/v5/business:
// {"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]} answered
// {"id":…,"event":"subscribe","arg":{…},"connId":…} (another channel: {"event":"error",
// "code":"60012",…}), the text "ping" with "pong"; pushes {"arg":{…},"data":[[9 strings]]}
// with confirm "1" on the closed candle. Truth comes from the REST fake (by instId).
class OkxStreamFake : public StreamFake
{
    Q_OBJECT

public:
    explicit OkxStreamFake(const FakeServer *rest, QObject *parent = nullptr);
    int pingsReceived() const { return m_pings; }

protected:
    void handleOpen(Client &client, const QUrl &url) override;
    void handleText(Client &client, const QByteArray &message) override;
    QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) override;

private:
    int m_pings = 0;
};

} // namespace barkeep::fakes
