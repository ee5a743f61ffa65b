# libshopd.so: the platform, every built-in module and the C API (app/c_api.cpp, a composition
# root like the binary) in one shared library, and
# what `cmake --install` puts: the binary, the library, the public headers, a CMake package
# (find_package(shopd CONFIG) gives shopd::shopd) and shopd.pc for pkg-config.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(module_libraries GLOBAL PROPERTY SHOPD_MODULE_LIBRARIES)
add_library(shopd_library SHARED "${PROJECT_SOURCE_DIR}/app/c_api.cpp")
add_library(shopd::shopd ALIAS shopd_library)
set_target_properties(shopd_library PROPERTIES
  OUTPUT_NAME shopd EXPORT_NAME shopd
  VERSION "${PROJECT_VERSION}" SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
target_include_directories(shopd_library
  PUBLIC "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
         "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>"
  PRIVATE "${PROJECT_SOURCE_DIR}/src")
# Every object of the platform and the modules: an embedding program may call any public
# function, whether the C API uses it or not.
foreach(library shopd_platform shopd_http_server shopd_modules ${module_libraries})
  target_sources(shopd_library PRIVATE "$<TARGET_OBJECTS:${library}>")
endforeach()
target_link_libraries(shopd_library
  PRIVATE shopd_build_flags Boost::url fmt::fmt spdlog::spdlog Threads::Threads CLI11::CLI11
          tomlplusplus::tomlplusplus OpenSSL::SSL OpenSSL::Crypto PkgConfig::RdKafka PkgConfig::Jwt
  PUBLIC Boost::headers Boost::json SQLiteCpp)
target_compile_features(shopd_library PUBLIC cxx_std_20)

install(TARGETS shopd RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS shopd_library EXPORT shopdTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/shopd"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/config/shopd.toml"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/shopd")

set(package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/shopd")
install(EXPORT shopdTargets NAMESPACE shopd:: DESTINATION "${package_dir}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/shopdConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/shopdConfig.cmake" INSTALL_DESTINATION "${package_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/shopdConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/shopdConfig.cmake"
  "${PROJECT_BINARY_DIR}/shopdConfigVersion.cmake" DESTINATION "${package_dir}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/shopd.pc.in" "${PROJECT_BINARY_DIR}/shopd.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/shopd.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
