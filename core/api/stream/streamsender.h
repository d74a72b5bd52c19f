// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <sys/uio.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace barkeep {

// The send() calls of one broadcast spread over a few threads: the calling (API) thread and
// `threads - 1` helpers. Only the kernel calls run in parallel — every Qt object stays on the
// API thread, which prepares the jobs, blocks in run() until all are done (so nothing else
// writes to those sockets meanwhile) and then handles what the kernel did not take. Jobs of
// one descriptor run on one thread, in order, and after a partial send the rest of that
// descriptor's jobs are skipped (the caller queues them behind the remainder).
// Why: on loopback a send() also runs the receiver's TCP input in the sender's softirq, about
// 5 µs per client and bar, the bulk of a 1000-client broadcast once Qt's write path is out of
// the way (BENCHMARKS.md, "WebSocket").
class StreamSender
{
public:
    struct Job
    {
        int fd = -1;
        iovec parts[2]{};    // frame header + bar head + id (inline), then the shared tail
        char inlineHead[160]; // header (<= 10 B) + `{"type":"bar","id":` + the id's JSON
        qint64 total = 0;
        qint64 sent = 0;     // after run(): bytes taken; 0: none (full, error or skipped)
    };

    explicit StreamSender(int threads);
    ~StreamSender();
    StreamSender(const StreamSender &) = delete;
    StreamSender &operator=(const StreamSender &) = delete;

    int threads() const { return m_threads; }
    void run(std::vector<Job> &jobs);

private:
    void work(int shard);
    void helperLoop(int shard);

    int m_threads;
    std::vector<std::thread> m_helpers;
    std::mutex m_mutex;
    std::condition_variable m_start;
    std::condition_variable m_done;
    std::vector<Job> *m_jobs = nullptr;
    quint64 m_generation = 0;
    int m_running = 0;
    bool m_stop = false;
};

} // namespace barkeep
