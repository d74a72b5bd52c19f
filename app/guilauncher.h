// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

namespace barkeep {

class Application;
namespace ui {
class MainWindow;
}

// Wires the running Application into the main window (GUI mode only).
class GuiLauncher
{
public:
    explicit GuiLauncher(Application *app);
    ~GuiLauncher();

private:
    std::unique_ptr<ui::MainWindow> m_window;
};

} // namespace barkeep
