// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "util/epolleventdispatcher.h"

#include <QCoreApplication>
#include <QTest>

// QTEST_GUILESS_MAIN with the main thread on EpollEventDispatcher, the event loop of the
// application's API thread: suites that run a LocalApiServer on their own thread test it on
// the loop it runs on in the product (installed before the application object exists, as
// QCoreApplication::setEventDispatcher() requires).
#define BK_TEST_MAIN_ON_API_DISPATCHER(TestObject)                                \
    int main(int argc, char **argv)                                              \
    {                                                                            \
        QCoreApplication::setEventDispatcher(new barkeep::EpollEventDispatcher); \
        QCoreApplication app(argc, argv);                                        \
        TestObject tc;                                                           \
        QTEST_SET_MAIN_SOURCE_PATH                                               \
        return QTest::qExec(&tc, argc, argv);                                    \
    }
