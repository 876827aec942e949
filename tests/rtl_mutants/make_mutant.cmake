# Writes one mutant: a copy of an rtl/ file with exactly one edit, so each mutant is the current
# design plus one bug and cannot drift from the RTL it breaks. Called at configure time by
# decodesim_rtl_mutant() (CMakeLists.txt); the original is a configure dependency, and an edit
# whose text no longer occurs exactly once stops the configure, naming the mutant.
function(decodesim_make_mutant NAME ORIGINAL FROM TO DESCRIPTION OUT)
  file(READ "${ORIGINAL}" text)
  string(FIND "${text}" "${FROM}" first)
  string(FIND "${text}" "${FROM}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "rtl mutant ${NAME}: the text it edits must occur exactly once in ${ORIGINAL}: \"${FROM}\"")
  endif()
  string(REPLACE "${FROM}" "${TO}" mutated "${text}")
  file(WRITE "${OUT}" "// MUTANT ${NAME} (tests/rtl_mutants/README.md): ${DESCRIPTION}\n${mutated}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ORIGINAL}")
endfunction()
