# Runs at every build (not only at configure time) so result.json names the commit that
# actually produced it. configure_file leaves the header untouched when nothing changed,
# so nothing recompiles needlessly.
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT GIT_DESCRIBE)
  set(GIT_DESCRIBE "unknown")
endif()
file(WRITE ${OUTPUT}.in "#pragma once\n#define DECODESIM_VERSION \"${PROJECT_VERSION}+${GIT_DESCRIBE}\"\n")
configure_file(${OUTPUT}.in ${OUTPUT} COPYONLY)
