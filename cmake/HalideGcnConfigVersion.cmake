# HalideGcnConfigVersion.cmake — version check for find_package(HalideGcn <version>).
# Same major version and at least the requested version is compatible.
set(PACKAGE_VERSION "0.1.0")

if (PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
else ()
    string(REGEX MATCH "^[0-9]+" _HalideGcn_major "${PACKAGE_VERSION}")
    if (PACKAGE_FIND_VERSION_MAJOR STREQUAL _HalideGcn_major)
        set(PACKAGE_VERSION_COMPATIBLE TRUE)
    else ()
        set(PACKAGE_VERSION_COMPATIBLE FALSE)
    endif ()
    if (PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
        set(PACKAGE_VERSION_EXACT TRUE)
    endif ()
    unset(_HalideGcn_major)
endif ()
