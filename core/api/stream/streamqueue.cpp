// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamqueue.h"

#include <algorithm>

namespace barkeep {

StreamQueue::Push StreamQueue::push(QByteArray message, const QString &subscription, bool disposable)
{
    if (disposable) {
        // Replace the subscription's latest queued message if it is a forming update too
        // (never one queued before a final bar, which would reorder them).
        for (auto it = m_items.rbegin(); it != m_items.rend(); ++it) {
            if (it->subscription != subscription)
                continue;
            if (it->disposable) {
                it->message = std::move(message);
                return Push::Replaced;
            }
            break;
        }
        if (size() >= m_soft)
            return Push::Dropped;
    } else if (size() >= m_hard) {
        return Push::Overflow;
    }
    m_items.push_back({std::move(message), subscription, disposable});
    return Push::Queued;
}

QByteArray StreamQueue::pop()
{
    QByteArray m = std::move(m_items.front().message);
    m_items.pop_front();
    return m;
}

void StreamQueue::removeSubscription(const QString &subscription)
{
    m_items.erase(std::remove_if(m_items.begin(), m_items.end(),
                                 [&](const Item &i) { return i.subscription == subscription; }),
                  m_items.end());
}

} // namespace barkeep
