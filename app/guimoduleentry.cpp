// SPDX-License-Identifier: GPL-3.0-or-later
// The entry points of libbarkeep-gui.so, resolved by GuiModule at run time.
#include "guilauncher.h"

#include <QApplication>

extern "C" {

Q_DECL_EXPORT QCoreApplication *barkeep_gui_create_application(int *argc, char **argv)
{
    return new QApplication(*argc, argv);
}

Q_DECL_EXPORT void *barkeep_gui_open_window(barkeep::Application *app)
{
    return new barkeep::GuiLauncher(app);
}

Q_DECL_EXPORT void barkeep_gui_close_window(void *window)
{
    delete static_cast<barkeep::GuiLauncher *>(window);
}
}
