# One conformance-suite mutation test: runs `decodesim validate-rtl` on a design and checks
# the verdict. For a mutant (EXPECT=fail): exit 1, a located diagnosis (design, size, seed,
# run, tile shape, and either the first differing element with expected/got, the cycle
# counts, or the broken handshake), and a non-empty FST of that run at the printed path.
# For the correct design (EXPECT=pass): exit 0 and no FAIL line.
#   cmake -DDECODESIM=... -DSOURCES=a.sv,b.sv -DWAVE_DIR=... -DEXPECT=fail|pass -P check_mutant.cmake
string(REPLACE "," ";" SOURCES "${SOURCES}")
file(REMOVE_RECURSE ${WAVE_DIR})
execute_process(
  COMMAND ${DECODESIM} validate-rtl --rtl ${SOURCES} --top systolic_array --sizes ${SIZES} --tiles ${TILES}
          --seed 1 --fail-wave-dir ${WAVE_DIR}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(EXPECT STREQUAL "pass")
  if(NOT rc EQUAL 0 OR out MATCHES "FAIL")
    message(FATAL_ERROR "the correct design must pass (exit ${rc}):\n${err}")
  endif()
  return()
endif()
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "a mutant must fail validate-rtl with exit 1, got ${rc}:\n${err}")
endif()
if(NOT out MATCHES "FAIL systolic_array [0-9]+x[0-9]+ weight_buffers [12], seed 1, run [0-9]+ \\(m=[0-9]+ k=[0-9]+ n=[0-9]+, .*\\): ")
  message(FATAL_ERROR "no located diagnosis (size, seed, run, tile shape) in the output")
endif()
if(NOT out MATCHES "first differing output element \\[vector [0-9]+\\]\\[column [0-9]+\\]: expected -?[0-9]+ \\(reference GEMM\\), got -?[0-9]+ \\(RTL\\)"
   AND NOT out MATCHES "expected [0-9]+ \\(TLM\\), got [0-9]+ \\(RTL\\)"
   AND NOT out MATCHES "the RTL broke the handshake: .*accepted: .*expected [0-9]+ cycles \\(TLM\\)")
  message(FATAL_ERROR "the diagnosis names neither an element, a cycle count nor a handshake")
endif()
if(NOT out MATCHES "waveform of that run alone: ([^\n]+\\.fst)")
  message(FATAL_ERROR "no waveform path in the output")
endif()
set(wave "${CMAKE_MATCH_1}")
file(SIZE "${wave}" bytes)
if(bytes LESS 100)
  message(FATAL_ERROR "waveform ${wave} is missing or empty")
endif()
