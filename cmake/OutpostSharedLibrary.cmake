# liboutpost.so (issue 18, packaging): every layer this configuration built (the closure of
# outpost_lib), linked whole into one shared object with a versioned soname, for programs outside
# the tree (find_package(Outpost), pkg-config) and the .deb. The layers stay static archives and
# keep their compile flags (the CLI, the tests and ccache's sharing between build trees rely on
# them); this target only links them, so it costs one link.
#
# Not in sanitizer or fuzz builds: their objects need the sanitizer runtimes, which only their
# own executables bring, and nobody installs or packages those builds.
include(GNUInstallDirs)
option(OUTPOST_BUILD_SHARED "liboutpost.so: the whole library as one shared object (cmake --install, cpack)" ON)
if(OUTPOST_SANITIZE OR OUTPOST_FUZZ)
  set(OUTPOST_BUILD_SHARED OFF)
endif()
if(NOT OUTPOST_BUILD_SHARED)
  return()
endif()

# The static layers outpost_lib reaches (read from the targets, so a layer added to outpost_lib
# in src/CMakeLists.txt lands in the shared library without an edit here).
function(outpost_static_closure out)
  set(pending outpost_lib)
  set(seen "")
  set(found "")
  while(pending)
    list(POP_FRONT pending target)
    if(target IN_LIST seen OR NOT TARGET ${target})
      continue()
    endif()
    list(APPEND seen ${target})
    get_target_property(imported ${target} IMPORTED)
    if(imported)
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      list(APPEND found ${target})
    endif()
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    if(links)
      list(APPEND pending ${links})
    endif()
  endwhile()
  set(${out} ${found} PARENT_SCOPE)
endfunction()
outpost_static_closure(OUTPOST_SHARED_LAYERS)

# add_library needs a source; the library's code is all in the archives.
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/generated/outpost_shared.cc
     CONTENT "// liboutpost.so: its code is the static layers, linked whole (cmake/OutpostSharedLibrary.cmake).\n")
add_library(outpost_shared SHARED ${CMAKE_CURRENT_BINARY_DIR}/generated/outpost_shared.cc)
add_library(Outpost::outpost ALIAS outpost_shared)
# --whole-archive: a shared object must hold every public symbol, not only those something in
# it happens to call. The archives go in once, as one group ahead of everything (CMake 3.25's
# $<LINK_LIBRARY:WHOLE_ARCHIVE> repeats archives that depend on each other, which defines their
# symbols twice); outpost_lib is then linked as usual, which brings in the layers' own libraries
# in the right order, and the archives' second mention adds nothing.
set(whole_archives "")
foreach(layer ${OUTPOST_SHARED_LAYERS})
  string(APPEND whole_archives " $<TARGET_FILE:${layer}>")
endforeach()
target_link_options(outpost_shared PRIVATE "SHELL:-Wl,--whole-archive${whole_archives} -Wl,--no-whole-archive")
target_link_libraries(outpost_shared PRIVATE outpost_lib)
set_target_properties(outpost_shared PROPERTIES
  OUTPUT_NAME outpost
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINKER_LANGUAGE CXX
  EXPORT_NAME outpost
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/liboutpost.map)
# Only Outpost's own symbols are exported (the C API and namespace outpost): the copies of
# header-only libraries (nlohmann::json, flatbuffers) stay inside, so they cannot
# clash with a program's own versions. --no-undefined: the object must resolve all it uses
# itself, so that a program linking it needs nothing else.
target_link_options(outpost_shared PRIVATE -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/liboutpost.map
                    -Wl,--no-undefined)
# Users include <outpost/session.h> or <outpost/outpost.h>; src/ stays private to the tree.
target_include_directories(outpost_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
