// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "barkeepcore_export.h"

#include <QByteArray>
#include <QString>

#include <deque>

namespace barkeep {

// The outgoing queue of one WebSocket client, used while the socket has too much unsent
// data (a slow reader). Forming-bar updates are disposable: a newer one for the same
// subscription replaces a queued one, and past `softLimit` queued messages new ones are
// dropped. Final bars and control messages are never dropped; past `hardLimit` the client
// is too slow to serve and push() reports Overflow (the caller disconnects it).
class BARKEEPCORE_EXPORT StreamQueue
{
public:
    enum class Push { Queued, Replaced, Dropped, Overflow };

    StreamQueue(int softLimit, int hardLimit) : m_soft(softLimit), m_hard(hardLimit) {}

    Push push(QByteArray message, const QString &subscription, bool disposable);
    bool isEmpty() const { return m_items.empty(); }
    qsizetype size() const { return qsizetype(m_items.size()); }
    QByteArray pop();
    // Drops queued messages of one subscription (unsubscribe).
    void removeSubscription(const QString &subscription);

private:
    struct Item
    {
        QByteArray message;
        QString subscription;
        bool disposable;
    };
    std::deque<Item> m_items;
    int m_soft;
    int m_hard;
};

} // namespace barkeep
