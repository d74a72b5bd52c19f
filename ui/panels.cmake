# SPDX-License-Identifier: GPL-3.0-or-later
# The main window's panels: gap map, backfill jobs, data health, settings. Included from
# ui/CMakeLists.txt into barkeep_ui.
find_package(Qt6Keychain REQUIRED)
target_sources(barkeep_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/gapmap/gapmapgeometry.h ${CMAKE_CURRENT_LIST_DIR}/gapmap/gapmapgeometry.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gapmap/gapmapview.h ${CMAKE_CURRENT_LIST_DIR}/gapmap/gapmapview.cpp
    ${CMAKE_CURRENT_LIST_DIR}/backfill/backfilljobmodel.h ${CMAKE_CURRENT_LIST_DIR}/backfill/backfilljobmodel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/backfill/progressdelegate.h ${CMAKE_CURRENT_LIST_DIR}/backfill/progressdelegate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/backfill/backfillpanel.h ${CMAKE_CURRENT_LIST_DIR}/backfill/backfillpanel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/health/healthhistory.h ${CMAKE_CURRENT_LIST_DIR}/health/healthhistory.cpp
    ${CMAKE_CURRENT_LIST_DIR}/health/healthpanel.h ${CMAKE_CURRENT_LIST_DIR}/health/healthpanel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/health/providerbudgetrows.h ${CMAKE_CURRENT_LIST_DIR}/health/providerbudgetrows.cpp
    ${CMAKE_CURRENT_LIST_DIR}/settings/configfile.h ${CMAKE_CURRENT_LIST_DIR}/settings/configfile.cpp
    ${CMAKE_CURRENT_LIST_DIR}/settings/credentialstore.h ${CMAKE_CURRENT_LIST_DIR}/settings/credentialstore.cpp
    ${CMAKE_CURRENT_LIST_DIR}/settings/settingsdialog.h ${CMAKE_CURRENT_LIST_DIR}/settings/settingsdialog.cpp
)
target_link_libraries(barkeep_ui PRIVATE qt6keychain)
target_compile_definitions(barkeep_ui PUBLIC BARKEEP_UI_PANELS=1)
