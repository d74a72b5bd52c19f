// SPDX-License-Identifier: GPL-3.0-or-later
#include "streamsender.h"

#include <sys/socket.h>

#include <algorithm>

namespace barkeep {

StreamSender::StreamSender(int threads) : m_threads(std::max(1, threads))
{
    for (int shard = 1; shard < m_threads; ++shard)
        m_helpers.emplace_back([this, shard] { helperLoop(shard); });
}

StreamSender::~StreamSender()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_start.notify_all();
    for (std::thread &t : m_helpers)
        t.join();
}

void StreamSender::work(int shard)
{
    std::vector<Job> &jobs = *m_jobs;
    std::vector<int> cut; // descriptors with a partial send in this batch
    for (Job &job : jobs) {
        if (job.fd % m_threads != shard)
            continue;
        job.sent = 0;
        if (std::find(cut.begin(), cut.end(), job.fd) != cut.end())
            continue;
        msghdr msg{};
        msg.msg_iov = job.parts;
        msg.msg_iovlen = 2;
        const ssize_t n = ::sendmsg(job.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            job.sent = n;
        if (job.sent < job.total)
            cut.push_back(job.fd);
    }
}

void StreamSender::helperLoop(int shard)
{
    quint64 seen = 0;
    while (true) {
        {
            std::unique_lock lock(m_mutex);
            m_start.wait(lock, [&] { return m_stop || m_generation != seen; });
            if (m_stop)
                return;
            seen = m_generation;
        }
        work(shard);
        std::lock_guard lock(m_mutex);
        if (--m_running == 0)
            m_done.notify_one();
    }
}

void StreamSender::run(std::vector<Job> &jobs)
{
    if (m_threads == 1) {
        m_jobs = &jobs;
        work(0);
        m_jobs = nullptr;
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_jobs = &jobs;
        m_running = m_threads - 1;
        ++m_generation;
    }
    m_start.notify_all();
    work(0);
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_running == 0; });
    m_jobs = nullptr;
}

} // namespace barkeep
