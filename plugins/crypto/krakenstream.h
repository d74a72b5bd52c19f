// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/bar.h"
#include "plugin/barstream.h"

#include <optional>

namespace barkeep::crypto {

// Kraken's WS v2 ohlc channel (provider-apis.md §3) for one symbol and interval: subscribes
// with a snapshot, reports connected() on the acknowledgement. A candle has no closed flag, so
// the latest one is sent as forming and the previous as final once a candle with a later
// interval_begin arrives; a candle that simply ages out (no trade since) is left to the
// owner's REST fetch. Kraken's own heartbeat channel keeps the watchdog fed.
class KrakenStream : public WebSocketBarStream
{
    Q_OBJECT

public:
    KrakenStream(const QUrl &url, const QString &symbol, int intervalMinutes,
                 QObject *parent = nullptr);

protected:
    void handleOpened() override;
    void handleMessage(const QByteArray &message) override;
    void handleClosed() override;

private:
    QString m_symbol;
    int m_interval;
    std::optional<Bar> m_last; // the newest candle, still forming as far as we know
};

} // namespace barkeep::crypto
