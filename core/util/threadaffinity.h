// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QThread>
#include <QtGlobal>

// Thread rules stated in code (Mixxx's DEBUG_ASSERT_QOBJECT_THREAD_AFFINITY): an entry point
// that must run on one thread says so with BARKEEP_ASSERT_THREAD(object), which aborts with
// the function's name when called from another thread. Checked in Debug builds and in the
// sanitizer build (BARKEEP_THREAD_ASSERTS, set by BARKEEP_SANITIZE), which runs the suite
// with NDEBUG; compiled out in Release.
#if !defined(QT_NO_DEBUG) || defined(BARKEEP_THREAD_ASSERTS)
#define BARKEEP_ASSERT_THREAD(object)                                                              \
    do {                                                                                           \
        if (Q_UNLIKELY(QThread::currentThread() != (object)->thread()))                            \
            qFatal("%s: called on thread %p, belongs to %p", Q_FUNC_INFO,                          \
                   static_cast<void *>(QThread::currentThread()),                                  \
                   static_cast<void *>((object)->thread()));                                       \
    } while (false)
#define BARKEEP_ASSERT_ON_THREAD(thread)                                                           \
    do {                                                                                           \
        if (Q_UNLIKELY(QThread::currentThread() != (thread)))                                      \
            qFatal("%s: called on thread %p, belongs to %p", Q_FUNC_INFO,                          \
                   static_cast<void *>(QThread::currentThread()), static_cast<void *>(thread));    \
    } while (false)
#else
#define BARKEEP_ASSERT_THREAD(object) static_cast<void>(0)
#define BARKEEP_ASSERT_ON_THREAD(thread) static_cast<void>(0)
#endif
