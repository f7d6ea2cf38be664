# HalideGcnConfig.cmake — find_package(HalideGcn CONFIG) support.
#
# Provides the imported target HalideGcn::Gcn: the autoscheduler plugin
# libautoschedule_gcn.so, a MODULE library that registers the autoscheduler `Gcn` when loaded.
# With Halide's CMake helpers:
#
#   find_package(Halide REQUIRED)
#   find_package(HalideGcn CONFIG REQUIRED)
#   add_halide_library(my_lib FROM my_generator AUTOSCHEDULER HalideGcn::Gcn)
#
# The plugin is looked up in this order: the cache variable HalideGcn_PLUGIN (a path to the
# .so), an installed layout (<prefix>/lib next to <prefix>/lib/cmake/HalideGcn), and this
# source tree's cargo outputs (target/release, then target/debug).

if (NOT TARGET HalideGcn::Gcn)
    get_filename_component(_HalideGcn_here "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
    find_library(
        HalideGcn_PLUGIN
        NAMES autoschedule_gcn
        HINTS "${_HalideGcn_here}/../.."
              "${_HalideGcn_here}/../target/release"
              "${_HalideGcn_here}/../target/debug"
        PATH_SUFFIXES lib
        NO_DEFAULT_PATH
        DOC "Path to libautoschedule_gcn.so, the Gcn autoscheduler plugin"
    )
    unset(_HalideGcn_here)

    if (HalideGcn_PLUGIN)
        add_library(HalideGcn::Gcn MODULE IMPORTED)
        set_target_properties(HalideGcn::Gcn PROPERTIES IMPORTED_LOCATION "${HalideGcn_PLUGIN}")
    endif ()
endif ()

if (NOT TARGET HalideGcn::Gcn)
    set(HalideGcn_FOUND FALSE)
    set(HalideGcn_NOT_FOUND_MESSAGE
        "libautoschedule_gcn.so not found: build it with `cargo build --release` in the halide-gcn checkout, or set HalideGcn_PLUGIN to its path")
endif ()
