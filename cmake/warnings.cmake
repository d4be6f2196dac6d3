# Warnings are errors in the project's own code only; third-party headers come in as SYSTEM
# includes through their imported targets.
add_library(gitopsd_warnings INTERFACE)
target_compile_options(gitopsd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict overlaps inside std::string concatenation at -O2/-O3
  # (GCC bug 105329); the check is off until the compiler is fixed.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

# gitopsd_target(NAME): applies the project's warning set to NAME.
function(gitopsd_target name)
  target_link_libraries(${name} PRIVATE gitopsd_warnings)
endfunction()
