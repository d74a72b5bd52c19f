# SPDX-License-Identifier: GPL-3.0-or-later
# CPACK_PRE_BUILD_SCRIPTS: runs on the staged package tree, after installation and before the
# .deb is assembled, so it sees the package's own prefix and version (the build tree may be
# configured for /usr/local and another Debian revision than the one being packaged).
#  - the systemd user unit starts the packaged binary, not the build's install prefix;
#  - /usr/share/doc/barkeep/changelog.Debian.gz names the version being packaged.
set(_root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}${CPACK_PACKAGING_INSTALL_PREFIX}")
if(NOT IS_DIRECTORY "${_root}/bin")
    message(FATAL_ERROR "barkeep pre-build: no staged tree at ${_root}")
endif()

set(_unit "${_root}/lib/systemd/user/barkeep.service")
if(EXISTS "${_unit}")
    file(READ "${_unit}" _text)
    string(REGEX REPLACE "\nExecStart=[^ \n]*/barkeep" "\nExecStart=${CPACK_PACKAGING_INSTALL_PREFIX}/bin/barkeep"
           _text "${_text}")
    file(WRITE "${_unit}" "${_text}")
endif()

if(CPACK_DEBIAN_PACKAGE_VERSION)
    set(BARKEEP_DEB_VERSION "${CPACK_DEBIAN_PACKAGE_VERSION}")
else()
    set(BARKEEP_DEB_VERSION "${CPACK_PACKAGE_VERSION}")
endif()
if(CPACK_DEBIAN_PACKAGE_RELEASE)
    string(APPEND BARKEEP_DEB_VERSION "-${CPACK_DEBIAN_PACKAGE_RELEASE}")
endif()
set(_doc "${_root}/share/doc/${CPACK_PACKAGE_NAME}")
file(MAKE_DIRECTORY "${_doc}")
configure_file("${CPACK_BARKEEP_CHANGELOG_TEMPLATE}" "${_doc}/changelog.Debian" @ONLY)
# -n: no name or time stamp in the gzip header (reproducible; lintian checks it).
execute_process(COMMAND gzip -9nf "${_doc}/changelog.Debian" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "barkeep pre-build: gzip changelog.Debian failed (${_rc})")
endif()
