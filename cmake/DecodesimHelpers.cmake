# decodesim_add_gtest(NAME name SOURCES ... LIBS ...)
# One executable per test file; gtest_discover_tests runs each TEST in its own process,
# which SystemC needs because it elaborates once per process.
function(decodesim_add_gtest)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE
    DECODESIM_SOURCE_DIR="${DECODESIM_SOURCE_DIR}"
    DECODESIM_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60)
endfunction()

# decodesim_add_subdirs(a b c): adds each listed subfolder. A listed folder without a
# CMakeLists.txt is a configure error: skipping it silently hid testbenches, tests and
# benchmarks that were listed but never built.
macro(decodesim_add_subdirs)
  foreach(_d ${ARGN})
    if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_d}/CMakeLists.txt)
      message(FATAL_ERROR "decodesim_add_subdirs: ${CMAKE_CURRENT_SOURCE_DIR}/${_d} has no CMakeLists.txt")
    endif()
    add_subdirectory(${_d})
  endforeach()
endmacro()

# decodesim_add_sc_gtest(NAME name SOURCES ... LIBS ...)
# Like decodesim_add_gtest, for tests that elaborate SystemC models: libsystemc provides
# main() and the tests run from sc_main (tests/support/sc_gtest_main.cpp).
function(decodesim_add_sc_gtest)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  # quiet_main directly: an object library's objects reach only the target that links it.
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} decodesim::sc_gtest_main decodesim::quiet_main)
  target_compile_definitions(${T_NAME} PRIVATE
    DECODESIM_SOURCE_DIR="${DECODESIM_SOURCE_DIR}"
    DECODESIM_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60)
endfunction()

# decodesim_add_quiet_test(NAME name COMMAND exe args...)
# Runs a SystemC program the way a user does, without SYSTEMC_DISABLE_COPYRIGHT_MESSAGE in the
# environment (the Makefile or a user's shell may have it; it is removed here), and fails on
# the SystemC banner or its "Simulation stopped by user." info line (tlm_models/common/sc_main).
function(decodesim_add_quiet_test)
  cmake_parse_arguments(Q "" "NAME" "COMMAND" ${ARGN})
  add_test(NAME quiet.${Q_NAME} COMMAND ${Q_COMMAND})
  set_tests_properties(quiet.${Q_NAME} PROPERTIES
    ENVIRONMENT_MODIFICATION "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=unset:"
    FAIL_REGULAR_EXPRESSION "Copyright|SystemC 2\\.3|stopped by user"
    LABELS quiet)
endfunction()

# decodesim_add_memory_target(name SOURCES ... [LIBS ...])
# Builds a user memory target into the decodesim binary (and the test binaries that link
# decodesim::memory_targets). Its sources register a factory with
# decodesim::memory::register_memory_target; `memory.impl: external`, `memory.external: <key>`
# selects it. Object files are linked whole, so the static registration always runs.
# Folders named in -DDECODESIM_MEMORY_TARGET_DIRS=a;b are added before the binary is linked.
function(decodesim_add_memory_target name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} OBJECT ${T_SOURCES})
  target_link_libraries(${name} PUBLIC decodesim::memory_tlm ${T_LIBS})
  target_link_libraries(decodesim_memory_targets INTERFACE ${name} $<TARGET_OBJECTS:${name}>)
endfunction()
