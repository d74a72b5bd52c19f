// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <algorithm>

namespace barkeep::fakes {

// A lazily refilled token bucket, the public throttle of Coinbase (per IP) and Kraken (per
// IP and pair).
class TokenBucket
{
public:
    // True when a request may pass at `nowMs`.
    bool take(double perSecond, int burst, qint64 nowMs)
    {
        if (perSecond <= 0)
            return true;
        const double cap = std::max(1, burst);
        if (m_last < 0)
            m_tokens = cap;
        else
            m_tokens = std::min(cap, m_tokens + (nowMs - m_last) * perSecond / 1000.0);
        m_last = nowMs;
        if (m_tokens < 1)
            return false;
        m_tokens -= 1;
        return true;
    }

private:
    double m_tokens = 0;
    qint64 m_last = -1;
};

} // namespace barkeep::fakes
