// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamfake.h"

namespace barkeep::fakes {

class FakeServer;

// Binance's kline stream (provider-apis.md §1): raw /ws/<symbol lower>@kline_<interval>
// connections (1m only here), live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS answered with
// {"result":…,"id":…}, bad requests with {"code":…,"msg":…,"id":…}; kline events with string
// prices, integer times and `x` true on the closed bar. Truth comes from the REST fake.
class BinanceStreamFake : public StreamFake
{
    Q_OBJECT

public:
    explicit BinanceStreamFake(const FakeServer *rest, QObject *parent = nullptr);

protected:
    void handleOpen(Client &client, const QUrl &url) override;
    void handleText(Client &client, const QByteArray &message) override;
    QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) override;
    QString truthSymbol(const QString &symbol) const override { return symbol.toUpper(); }
};

} // namespace barkeep::fakes
