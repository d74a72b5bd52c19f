# SPDX-License-Identifier: GPL-3.0-or-later
# CPACK_POST_BUILD_SCRIPTS: completes the barkeep-dbgsym .ddeb that CPack 3.25 writes, so that
# lintian accepts it too (check-package.sh runs lintian on both packages):
#  - CPack lists the staging directory's absolute paths in the ddeb's md5sums: rewritten
#    with package-relative paths;
#  - /usr/share/doc/barkeep-dbgsym -> barkeep, as debhelper's dbgsym packages do (the ddeb
#    depends on barkeep of the same version, so barkeep's copyright and changelog apply).
find_program(_dpkg_deb dpkg-deb REQUIRED)
set(_ddebs)
foreach(_file IN LISTS CPACK_PACKAGE_FILES)
    get_filename_component(_dir "${_file}" DIRECTORY)
    file(GLOB _found "${_dir}/*-dbgsym_*.ddeb")
    list(APPEND _ddebs ${_found})
endforeach()
list(REMOVE_DUPLICATES _ddebs)

function(_barkeep_run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "barkeep post-build: '${ARGN}' failed (${_rc}): ${_out}")
    endif()
endfunction()

foreach(_ddeb IN LISTS _ddebs)
    get_filename_component(_name "${_ddeb}" NAME)
    string(REGEX REPLACE "-dbgsym_.*" "" _pkg "${_name}")
    set(_tree "${_ddeb}.tree")
    file(REMOVE_RECURSE "${_tree}")
    _barkeep_run(${_dpkg_deb} --raw-extract "${_ddeb}" "${_tree}")

    file(GLOB_RECURSE _debug_files LIST_DIRECTORIES false RELATIVE "${_tree}" "${_tree}/usr/*")
    list(SORT _debug_files)
    set(_md5sums "")
    foreach(_f IN LISTS _debug_files)
        file(MD5 "${_tree}/${_f}" _sum)
        string(APPEND _md5sums "${_sum}  ${_f}\n")
    endforeach()
    file(WRITE "${_tree}/DEBIAN/md5sums" "${_md5sums}")

    # .debug files are data, not programs (CPack leaves them executable).
    file(CHMOD_RECURSE "${_tree}/usr" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                               WORLD_READ WORLD_EXECUTE)
    file(MAKE_DIRECTORY "${_tree}/usr/share/doc")
    file(CREATE_LINK "${_pkg}" "${_tree}/usr/share/doc/${_pkg}-dbgsym" SYMBOLIC)
    _barkeep_run(${_dpkg_deb} --root-owner-group --build "${_tree}" "${_ddeb}")
    file(REMOVE_RECURSE "${_tree}")
endforeach()
