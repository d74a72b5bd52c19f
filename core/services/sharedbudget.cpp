// SPDX-License-Identifier: GPL-3.0-or-later
#include "sharedbudget.h"

#include "cache/rediscache.h"
#include "log/logging.h"

#include <QDateTime>

#include <hiredis/hiredis.h>

namespace barkeep {

namespace {
// Checks every window, then adds to all of them: atomic in Redis, so two instances can never
// both take the last of a budget. KEYS[i]; ARGV: units_i, budget_i, ttlMs_i, ... Returns 0
// when added, else i of the first full window.
const char kReserveScript[] = R"(
for i = 1, #KEYS do
  local cur = tonumber(redis.call('GET', KEYS[i]) or '0')
  local units = tonumber(ARGV[3 * i - 2])
  if cur > 0 and cur + units > tonumber(ARGV[3 * i - 1]) then return i end
end
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[3 * i - 2])
  redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
end
return 0
)";
constexpr qint64 kReconnectDelayMs = 5'000;
constexpr int kTimeoutMs = 500;
} // namespace

SharedBudget::SharedBudget(QString redisUrl) : m_url(std::move(redisUrl)) {}

SharedBudget::~SharedBudget()
{
    if (m_context)
        redisFree(m_context);
}

bool SharedBudget::isAvailable() const
{
    std::lock_guard lock(m_mutex);
    return m_context != nullptr;
}

bool SharedBudget::connectLocked()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now < m_retryAtMs)
        return false;
    Result<RedisEndpoint> ep = RedisEndpoint::parse(m_url);
    const timeval tv{kTimeoutMs / 1000, (kTimeoutMs % 1000) * 1000};
    redisContext *c = ep ? redisConnectWithTimeout(ep->host.toUtf8().constData(), ep->port, tv) : nullptr;
    auto ok = [&](std::vector<QByteArray> args) {
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        auto *r = static_cast<redisReply *>(redisCommandArgv(c, int(args.size()), argv.data(), lens.data()));
        const bool good = r && r->type != REDIS_REPLY_ERROR;
        if (r)
            freeReplyObject(r);
        return good;
    };
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        if ((ep->password.isEmpty() || ok({"AUTH", ep->password.toUtf8()}))
            && (ep->db == 0 || ok({"SELECT", QByteArray::number(ep->db)}))) {
            m_context = c;
            m_warned = false;
            return true;
        }
    }
    if (c)
        redisFree(c);
    m_retryAtMs = now + kReconnectDelayMs;
    if (!m_warned) {
        m_warned = true;
        qCWarning(lcNet).noquote() << "shared provider budget: Redis" << (ep ? ep->toString() : m_url)
                                   << "unavailable; this instance paces alone";
    }
    return false;
}

int SharedBudget::reserve(const QString &provider, const std::vector<Window> &windows, int weight,
                          qint64 nowMs)
{
    if (windows.empty())
        return -1;
    std::lock_guard lock(m_mutex);
    if (!m_context && !connectLocked())
        return -1;
    std::vector<QByteArray> args{"EVAL", kReserveScript, QByteArray::number(qulonglong(windows.size()))};
    std::vector<QByteArray> argvTail;
    for (const Window &w : windows) {
        args.push_back("bk:budget:v1:" + provider.toUtf8() + ':' + RateLimit::kindName(w.limit.kind) + ':'
                       + QByteArray::number(w.limit.intervalMs) + ':'
                       + QByteArray::number(nowMs / w.limit.intervalMs));
        argvTail.push_back(QByteArray::number(w.limit.kind == RateLimit::Kind::Weight ? weight : 1));
        argvTail.push_back(QByteArray::number(w.budget));
        argvTail.push_back(QByteArray::number(2 * w.limit.intervalMs));
    }
    args.insert(args.end(), argvTail.begin(), argvTail.end());
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    auto *r = static_cast<redisReply *>(redisCommandArgv(m_context, int(args.size()), argv.data(), lens.data()));
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        if (r)
            freeReplyObject(r);
        redisFree(m_context);
        m_context = nullptr;
        m_retryAtMs = QDateTime::currentMSecsSinceEpoch() + kReconnectDelayMs;
        if (!m_warned) {
            m_warned = true;
            qCWarning(lcNet) << "shared provider budget: Redis stopped answering; this instance paces alone";
        }
        return -1;
    }
    const long long full = r->integer;
    freeReplyObject(r);
    return full > 0 ? int(full - 1) : -1;
}

} // namespace barkeep
