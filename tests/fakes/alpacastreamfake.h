// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "streamfake.h"

namespace barkeep::fakes {

class AlpacaFake;

// Alpaca's real-time market data stream (provider-apis.md §4) on /v2/iex, /v2/sip and
// /v1beta3/crypto/us: every frame a JSON array; [{"T":"success","msg":"connected"}] on open;
// {"action":"auth","key","secret"} checked against the REST fake's credentials →
// "authenticated" or error 402 (401 for a subscribe before auth, 403 for a second auth, 400
// for bad syntax); {"action":"subscribe","bars":[…],"updatedBars":[…]} → the subscription
// lists. A pushed final bar goes out as "b"; forming bars do not exist at Alpaca (not sent);
// pushUpdatedBar() sends a "u" correction.
class AlpacaStreamFake : public StreamFake
{
    Q_OBJECT

public:
    explicit AlpacaStreamFake(const AlpacaFake *rest, QObject *parent = nullptr);

    // Sends `bar` as an updatedBars ("u") message to the symbol's subscribers.
    void pushUpdatedBar(const QString &symbol, const Bar &bar);

protected:
    void handleOpen(Client &client, const QUrl &url) override;
    void handleText(Client &client, const QByteArray &message) override;
    QByteArray encodeBar(const QString &symbol, const Bar &bar, bool final) override;

private:
    static QByteArray barMessage(const char *type, const QString &symbol, const Bar &bar);
    const AlpacaFake *m_rest;
};

} // namespace barkeep::fakes
