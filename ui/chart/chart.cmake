# ChartView and its helpers; included from ui/CMakeLists.txt into barkeep_ui.
# SPDX-License-Identifier: GPL-3.0-or-later
target_sources(barkeep_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/chartview.h ${CMAKE_CURRENT_LIST_DIR}/chartview.cpp
    ${CMAKE_CURRENT_LIST_DIR}/chartloader.h ${CMAKE_CURRENT_LIST_DIR}/chartloader.cpp
    ${CMAKE_CURRENT_LIST_DIR}/candlerenderer.h ${CMAKE_CURRENT_LIST_DIR}/candlerenderer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lodpyramid.h ${CMAKE_CURRENT_LIST_DIR}/lodpyramid.cpp
    ${CMAKE_CURRENT_LIST_DIR}/priceaxis.h ${CMAKE_CURRENT_LIST_DIR}/priceaxis.cpp
    ${CMAKE_CURRENT_LIST_DIR}/timeaxis.h ${CMAKE_CURRENT_LIST_DIR}/timeaxis.cpp
)
# So users include "chart/chartview.h" from the ui folder.
target_include_directories(barkeep_ui PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
