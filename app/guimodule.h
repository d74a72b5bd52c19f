// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLibrary>
#include <QString>

#include <memory>

class QCoreApplication;

namespace barkeep {

class Application;

// Loads the window (libbarkeep-gui.so: Qt Widgets, Charts, the UI) only when a window is
// wanted. Debian's Qt Gui links libX11 and libxcb directly, so a binary that links Gui loads
// them at start even with no display; keeping the UI in a module that headless runs never
// load means `barkeep --headless` on a server maps no X and no Gui libraries at all.
class GuiModule
{
public:
    GuiModule();
    ~GuiModule();

    // Looks next to the executable (build tree) and in <prefix>/lib*/barkeep (installed).
    bool load(QString *error);
    // The QApplication (created inside the module, which links Widgets).
    std::unique_ptr<QCoreApplication> createApplication(int &argc, char **argv);
    void openWindow(Application *app);
    void closeWindow();

    // The entry points the module exports (C linkage: resolved by name with QLibrary).
    using CreateApplicationFn = QCoreApplication *(*)(int *argc, char **argv);
    using OpenWindowFn = void *(*)(Application *app);
    using CloseWindowFn = void (*)(void *window);

private:
    QLibrary m_library;
    CreateApplicationFn m_create = nullptr;
    OpenWindowFn m_open = nullptr;
    CloseWindowFn m_close = nullptr;
    void *m_window = nullptr;
};

} // namespace barkeep
