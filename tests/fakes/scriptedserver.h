// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fakeserver.h"

#include <QQueue>

#include <functional>

namespace barkeep::fakes {

// Serves recorded, real-shaped answers in order (one per request), for table-driven tests of
// parsing, page edges and error mapping; requestLog() shows what the client asked.
class ScriptedServer : public FakeServer
{
    Q_OBJECT

public:
    explicit ScriptedServer(QObject *parent = nullptr)
        : FakeServer(1, parent)
    {
        m_faults.weightPerMinute = 0;
    }

    void enqueue(int status, const QByteArray &body,
                 QList<QPair<QByteArray, QByteArray>> headers = {})
    {
        Reply r;
        r.status = status;
        r.body = body;
        r.headers = std::move(headers);
        m_queue.enqueue(r);
    }
    // A fixed answer for every request to `path` (e.g. the symbol listing), ahead of the queue.
    void setFixed(const QString &path, int status, const QByteArray &body)
    {
        Reply r;
        r.status = status;
        r.body = body;
        m_fixed.insert(path, r);
    }
    // Answers requests once the queue is empty (e.g. by path); a 500 otherwise.
    void setFallback(std::function<Reply(const QUrl &)> fallback)
    {
        m_fallback = std::move(fallback);
    }
    int pending() const { return int(m_queue.size()); }

protected:
    Reply answer(const QHttpServerRequest &request) override;

private:
    QQueue<Reply> m_queue;
    QHash<QString, Reply> m_fixed;
    std::function<Reply(const QUrl &)> m_fallback;
};

} // namespace barkeep::fakes
