// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamfake.h"

#include <QHash>

namespace barkeep::fakes {

class FakeServer;

// Kraken's WS v2 ohlc channel (provider-apis.md §3) on /v2: {"method":"subscribe",
// "params":{"channel":"ohlc","symbol":[…],"interval":1,"snapshot":…},"req_id":…} gets one ack
// per symbol ({"success":false,"error":…} for an unknown symbol, channel or interval), then a
// snapshot holding the last candle pushed for it (if any) and updates as bars are pushed —
// JSON-number prices, interval_begin in RFC 3339, no closed flag. Symbols are WS v2 names
// (BTC/USD); truth comes from the REST fake under the pair key (XXBTZUSD).
class KrakenStreamFake : public StreamFake
{
    Q_OBJECT

public:
    explicit KrakenStreamFake(const FakeServer *rest, QObject *parent = nullptr);

protected:
    void handleOpen(Client &client, const QUrl &url) override;
    void handleText(Client &client, const QByteArray &message) override;
    QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) override;
    QString truthSymbol(const QString &symbol) const override;

private:
    QByteArray frame(const char *type, const QString &symbol, const std::optional<Bar> &bar) const;
    QHash<QString, Bar> m_last; // the last candle pushed per symbol (for snapshots)
};

} // namespace barkeep::fakes
