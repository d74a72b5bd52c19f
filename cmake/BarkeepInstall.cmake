# SPDX-License-Identifier: GPL-3.0-or-later
# Where Barkeep installs its files. libbarkeep-core has no public ABI (no headers installed,
# no promise across versions), so it and the window module live in a private directory that
# the dynamic linker does not search; the executables find it through their RUNPATH. On a
# multiarch system the directory is /usr/lib/<triplet>/barkeep (Debian policy 9.1.1), so no
# ldconfig run and no shlibs file are needed.
include(GNUInstallDirs)
if(CMAKE_LIBRARY_ARCHITECTURE)
    set(_barkeep_pkglibdir "lib/${CMAKE_LIBRARY_ARCHITECTURE}/barkeep")
else()
    set(_barkeep_pkglibdir "${CMAKE_INSTALL_LIBDIR}/barkeep")
endif()
set(BARKEEP_INSTALL_PKGLIBDIR "${_barkeep_pkglibdir}" CACHE STRING
    "Private library directory (libbarkeep-core, libbarkeep-gui), relative to the prefix")
# RUNPATH of an executable in bin/: the private directory, relative to the binary so that
# the installed tree (and an unpacked .deb) is relocatable.
file(RELATIVE_PATH _barkeep_bin_to_pkglib "/prefix/${CMAKE_INSTALL_BINDIR}" "/prefix/${BARKEEP_INSTALL_PKGLIBDIR}")
set(BARKEEP_INSTALL_PKGLIB_FROM_BIN "${_barkeep_bin_to_pkglib}")
set(BARKEEP_INSTALL_RPATH_BIN "$ORIGIN/${BARKEEP_INSTALL_PKGLIB_FROM_BIN}")
# A umask of 002 must not leave group-writable directories in the package.
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
