# decodesim_component(NAME name SOURCES ... [DEPS ...] [PRIVATE_DEPS ...] [DEFINE_SOURCE_DIR])
#
# One component = one folder = one static library, decodesim_<name>, alias decodesim::<name>.
# DEPS are linked PUBLIC (the component's headers include theirs), PRIVATE_DEPS only from its
# .cpp files. DEFINE_SOURCE_DIR gives the sources DECODESIM_SOURCE_DIR (where configs/ lives).
#
# Include scheme. Headers are spelt by their path below the component root, the folder whose
# CMakeLists set DECODESIM_COMPONENT_ROOT (tlm_models/ or src/): "tpu/tpu_tile.h",
# "memory/hbm/hbm.h", "report/report.h". That root holds every component, so it is never put on
# an include path. Instead each component gets a root of its own in the build tree,
# <build>/include/<name>/, holding one symbolic link at the component's relative path
# (include/hbm/memory/hbm -> tlm_models/memory/hbm), and exposes only that folder, PUBLIC.
# A component (or test, app, bench) therefore sees the headers of itself and of what it links,
# and no others: including an unrelated component's header fails to compile until the CMakeLists
# says the dependency, and a lower layer cannot include an upper one without a link cycle that
# the reviewer sees. Dependencies are transitive through DEPS, as headers are.
function(decodesim_component)
  cmake_parse_arguments(C "DEFINE_SOURCE_DIR" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT C_NAME OR NOT C_SOURCES)
    message(FATAL_ERROR "decodesim_component: NAME and SOURCES are required (${CMAKE_CURRENT_SOURCE_DIR})")
  endif()
  if(C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "decodesim_component(${C_NAME}): unknown arguments ${C_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT DECODESIM_COMPONENT_ROOT)
    message(FATAL_ERROR "decodesim_component(${C_NAME}): DECODESIM_COMPONENT_ROOT is not set above ${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  set(target decodesim_${C_NAME})
  add_library(${target} ${C_SOURCES})
  add_library(decodesim::${C_NAME} ALIAS ${target})

  file(RELATIVE_PATH rel ${DECODESIM_COMPONENT_ROOT} ${CMAKE_CURRENT_SOURCE_DIR})
  set(root ${CMAKE_BINARY_DIR}/include/${C_NAME})
  get_filename_component(parent ${root}/${rel} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${rel} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})

  target_link_libraries(${target} PUBLIC ${C_DEPS} PRIVATE ${C_PRIVATE_DEPS})
  if(C_DEFINE_SOURCE_DIR)
    target_compile_definitions(${target} PRIVATE DECODESIM_SOURCE_DIR="${DECODESIM_SOURCE_DIR}")
  endif()
endfunction()
