// SPDX-License-Identifier: GPL-3.0-or-later
#include "scriptedserver.h"

#include <QHttpServerRequest>

namespace barkeep::fakes {

FakeServer::Reply ScriptedServer::answer(const QHttpServerRequest &request)
{
    if (const auto it = m_fixed.constFind(request.url().path()); it != m_fixed.cend())
        return *it;
    if (!m_queue.isEmpty())
        return m_queue.dequeue();
    if (m_fallback)
        return m_fallback(request.url());
    return json(500, "{\"message\":\"no scripted answer left\"}");
}

} // namespace barkeep::fakes
