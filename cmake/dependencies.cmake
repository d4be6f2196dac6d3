# Every third-party dependency comes from a Debian package installed by scripts/bootstrap.
# Each is looked up here, once, so a missing one fails at configure time with its name.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5)
find_package(yaml-cpp REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.74 REQUIRED)  # Asio and Beast are header-only in 1.74
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
if(GITOPSD_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
  include(Catch)
endif()
if(GITOPSD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
