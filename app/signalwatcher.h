// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QSocketNotifier;

namespace barkeep {

// Turns SIGTERM/SIGINT into a Qt signal on the main thread (the self-pipe trick: a signal
// handler may only write to a pipe; a QSocketNotifier reads it in the event loop).
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace barkeep
