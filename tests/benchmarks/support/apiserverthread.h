// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "api/localapiserver.h"
#include "util/epolleventdispatcher.h"

#include <QMetaObject>
#include <QObject>
#include <QThread>

namespace barkeep::bench {

// Runs a LocalApiServer on its own thread, created inside it (style.md §6), for the API and
// stream benchmark drivers. The thread waits on EpollEventDispatcher, as the application's
// API thread does, unless `qtDispatcher` asks for Qt's own (the baseline of that change).
struct ApiServerThread
{
    QThread thread;
    QObject *context = nullptr;
    LocalApiServer *server = nullptr;
    quint16 port = 0;

    void start(const ApiServices &services, const ApiOptions &options, bool qtDispatcher = false)
    {
        if (!qtDispatcher)
            thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        context = new QObject;
        context->moveToThread(&thread);
        QMetaObject::invokeMethod(context, [&] {
            server = new LocalApiServer(services, options);
            if (server->listen())
                port = server->serverPort();
        }, Qt::BlockingQueuedConnection);
    }
    void stop()
    {
        QMetaObject::invokeMethod(context, [&] {
            delete server;
            delete context;
        }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
    }
};

} // namespace barkeep::bench
