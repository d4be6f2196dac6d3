// The Catch2 runner, alone in its translation unit so test files compile quickly.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
