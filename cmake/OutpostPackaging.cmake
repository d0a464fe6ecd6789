# What `cmake --install` lays out for programs outside the tree, and the .deb `cpack` makes of it
# (issue 18, packaging; docs/packaging.md):
#   bin/outpost, bin/outpost-agent          (installed by the top-level CMakeLists.txt)
#   include/outpost/*.h                     (likewise)
#   lib/liboutpost.so.0.1.0 and its links   the whole library (cmake/OutpostSharedLibrary.cmake)
#   lib/cmake/Outpost/                      find_package(Outpost): Outpost::outpost
#   lib/pkgconfig/outpost.pc                pkg-config --cflags --libs outpost
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The layers' static archives were installed until liboutpost.so came; alone they are of little
# use outside the tree (about twenty archives to link in order, plus their private libraries,
# and no CMake package describes them), so they are left out unless asked for.
option(OUTPOST_INSTALL_STATIC_LAYERS "Also install the layers' static archives (lib/liboutpost_*.a)" OFF)
if(OUTPOST_INSTALL_STATIC_LAYERS)
  get_property(layer_targets DIRECTORY ${PROJECT_SOURCE_DIR}/src PROPERTY BUILDSYSTEM_TARGETS)
  get_property(backend_targets DIRECTORY ${PROJECT_SOURCE_DIR}/src/backends PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${layer_targets} ${backend_targets})
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      install(TARGETS ${target} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT static)
    endif()
  endforeach()
endif()

# Without liboutpost.so (sanitizer and fuzz builds, OUTPOST_BUILD_SHARED=OFF) there is no package
# to describe.
if(TARGET outpost_shared)
  install(TARGETS outpost_shared EXPORT OutpostTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

  # The CMake package: the exported target (paths relative to wherever the tree is installed) and
  # a hand-written config that includes it. liboutpost.so hides its own dependencies, so the
  # config needs no find_dependency.
  set(OUTPOST_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Outpost)
  install(EXPORT OutpostTargets NAMESPACE Outpost:: DESTINATION ${OUTPOST_CMAKE_DIR})
  if(TARGET outpost_capi_pipeline)
    set(OUTPOST_CONFIG_WITH_PIPELINES ON)
  else()
    set(OUTPOST_CONFIG_WITH_PIPELINES OFF)
  endif()
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/OutpostConfig.cmake.in
                                ${CMAKE_CURRENT_BINARY_DIR}/generated/OutpostConfig.cmake
                                INSTALL_DESTINATION ${OUTPOST_CMAKE_DIR})
  # 0.x: a minor version may break the API, so only the same minor version is compatible.
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/generated/OutpostConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/OutpostConfig.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/generated/OutpostConfigVersion.cmake
          DESTINATION ${OUTPOST_CMAKE_DIR})

  # pkg-config: outpost.pc names the prefix it is installed under, which is known only at install
  # time (`cmake --install --prefix DIR`, or /usr in the .deb), so it is written then.
  foreach(dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
      set(OUTPOST_PC_${dir} "${CMAKE_INSTALL_${dir}}")
    else()
      set(OUTPOST_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
    endif()
  endforeach()
  set(OUTPOST_PC_PREFIX "@OUTPOST_PC_PREFIX@")  # left for the install step to fill in
  configure_file(${PROJECT_SOURCE_DIR}/cmake/outpost.pc.in ${CMAKE_CURRENT_BINARY_DIR}/generated/outpost.pc.in @ONLY)
  set(pc_file ${CMAKE_CURRENT_BINARY_DIR}/generated/install/outpost.pc)
  install(CODE "set(OUTPOST_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    configure_file(\"${CMAKE_CURRENT_BINARY_DIR}/generated/outpost.pc.in\" \"${pc_file}\" @ONLY)")
  install(FILES ${pc_file} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# cpack (run in the build dir: `cpack -G DEB`) makes outpost_<version>_<arch>.deb of the same
# install, under /usr. Its Depends are read from the binaries by dpkg-shlibdeps (dpkg-dev), so
# they name the Debian packages of exactly the libraries this configuration linked.
set(CPACK_PACKAGE_NAME outpost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Edge AI runtime: TFLite and ONNX models, signed model bundles, a device agent")
set(CPACK_PACKAGE_DESCRIPTION
    "Runs TFLite and ONNX models on small CPUs. The package holds the outpost command line, liboutpost (C and C++ API) with its headers, a CMake package and a pkg-config file, and, where the build has them, the outpost-agent daemon and the Python module.")
# CPack requires a maintainer; no address is published for the project.
set(CPACK_PACKAGE_CONTACT "Outpost developers")
set(CPACK_GENERATOR DEB)
# Installed with CMAKE_INSTALL_PREFIX=/usr into a staging DESTDIR, so that what is written at
# install time (outpost.pc) names /usr and not the staging directory.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see: the Python module is for Debian's python3 of the minor version
# it was built against, and wants numpy; shlibdeps' findings are added to these.
if(TARGET _outpost)
  math(EXPR next_minor "${OUTPOST_PYTHON_VERSION_MINOR} + 1")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "python3 (>= 3.${OUTPOST_PYTHON_VERSION_MINOR}), python3 (<< 3.${next_minor}), python3-numpy")
endif()
# Video is read and written through FFmpeg opened at run time (src/vision/ffmpeg_library.cc),
# which dpkg-shlibdeps cannot see; images and models work without it. The edge gateway runs
# Debian's mosquitto (docs/gateway.md).
if(OUTPOST_WITH_VISION)
  # Debian names each library's package after its soname's major version (libavformat59).
  set(recommends "")
  foreach(library libavformat libavcodec libavutil libswscale)
    string(REGEX MATCH "^[0-9]+" major "${FFMPEG_${library}_VERSION}")
    list(APPEND recommends "${library}${major}")
  endforeach()
  list(JOIN recommends ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto")
# A shlibs file for liboutpost.so.0, and the ldconfig trigger that goes with a shared library.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# `make package_source` would otherwise pack the build trees and the downloaded data too.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/[.]git/" "/[.]cache/" "/build[^/]*/" "/out/")
include(CPack)
