# chaosq_expect_exit(<exit code> <regex> <command...>): runs the command, prints its output, and
# fails unless it exited with exactly that code and its output matches the regex. Include it, or
# run it as a script: cmake -DCOMMAND=<exe> -DEXPECTED_EXIT=<n> -DEXPECTED_OUTPUT=<regex> -P ...
function(chaosq_expect_exit expected pattern)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT "${rc}" STREQUAL "${expected}")
    message(FATAL_ERROR "'${ARGN}' exited with '${rc}', expected ${expected}")
  endif()
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "the output of '${ARGN}' does not match: ${pattern}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  chaosq_expect_exit("${EXPECTED_EXIT}" "${EXPECTED_OUTPUT}" "${COMMAND}")
endif()
