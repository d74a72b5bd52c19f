// SPDX-License-Identifier: GPL-3.0-or-later
#include "guimodule.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace barkeep {

GuiModule::GuiModule() = default;

GuiModule::~GuiModule()
{
    closeWindow();
    // The library stays mapped: Qt objects it created may be torn down after main() returns.
}

bool GuiModule::load(QString *error)
{
    // Before a QCoreApplication exists, so the executable's directory comes from /proc.
    const QString exeDir = QFileInfo(QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath()).absolutePath();
    // The build tree keeps the module next to the binary; an install puts it in the private
    // library directory of this architecture (cmake/BarkeepInstall.cmake).
    const QStringList candidates{
        exeDir + QStringLiteral("/libbarkeep-gui.so"),
        exeDir + QStringLiteral("/" BARKEEP_GUI_MODULE_FROM_BIN "/libbarkeep-gui.so")};
    QStringList tried;
    for (const QString &path : candidates) {
        if (!QFileInfo::exists(path)) {
            tried << path;
            continue;
        }
        m_library.setFileName(path);
        if (!m_library.load()) {
            tried << QStringLiteral("%1 (%2)").arg(path, m_library.errorString());
            continue;
        }
        m_create = reinterpret_cast<CreateApplicationFn>(m_library.resolve("barkeep_gui_create_application"));
        m_open = reinterpret_cast<OpenWindowFn>(m_library.resolve("barkeep_gui_open_window"));
        m_close = reinterpret_cast<CloseWindowFn>(m_library.resolve("barkeep_gui_close_window"));
        if (m_create && m_open && m_close)
            return true;
        tried << QStringLiteral("%1 (entry points missing)").arg(path);
    }
    if (error)
        *error = QStringLiteral("the window module was not found or did not load; tried: %1")
                     .arg(QDir::cleanPath(tried.join(QStringLiteral(", "))));
    return false;
}

std::unique_ptr<QCoreApplication> GuiModule::createApplication(int &argc, char **argv)
{
    return std::unique_ptr<QCoreApplication>(m_create(&argc, argv));
}

void GuiModule::openWindow(Application *app)
{
    if (!m_window)
        m_window = m_open(app);
}

void GuiModule::closeWindow()
{
    if (m_window && m_close)
        m_close(m_window);
    m_window = nullptr;
}

} // namespace barkeep
