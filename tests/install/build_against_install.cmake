# What a user does with chaosq, as a test: install the build into a fresh prefix, build
# examples/bring_your_own on its own against it (find_package(chaosq CONFIG)) with a given
# compiler, and run what it builds, with the README's "Bring your own" commands:
#   - bring_your_own (the engine API by hand) exits 1: it caught the bug planted in job_queue;
#   - byo-chaosq run: the scenario over the fixed queue passes (0), over the shipped one fails (1);
#   - byo-chaosq explore finds the bug (1) and its token replays in byo-chaosq (1), while the
#     installed stock chaosq refuses it (2), naming the queue it lacks;
#   - byo_property_test passes (it expects the property to refute the shipped queue) and the
#     counterexample's token replays in byo-chaosq (1);
#   - with clang, byo_fuzz finds the bug within -runs=FUZZ_RUNS executions from -seed=1, and its
#     token replays in byo-chaosq (1).
#
# The out-of-tree project gets the given compiler, the main build's build type and global flags
# (CMAKE_CXX_FLAGS, CMAKE_EXE_LINKER_FLAGS: a toolchain choice a user shares), never chaosq's own
# warning or sanitizer flags, and the test fails if any of those reached its compile commands.
#
# cmake -DBUILD_DIR= -DCONFIG= -DWORK_DIR= -DEXAMPLE_DIR= -DGENERATOR= -DMAKE_PROGRAM=
#       -DCXX_COMPILER= -DCXX_FLAGS= -DEXE_LINKER_FLAGS= [-DFUZZ_RUNS=] -P build_against_install.cmake
include(${CMAKE_CURRENT_LIST_DIR}/expect_exit.cmake)

foreach(required BUILD_DIR WORK_DIR EXAMPLE_DIR GENERATOR CXX_COMPILER)
  if(NOT ${required})
    message(FATAL_ERROR "build_against_install.cmake needs -D${required}=")
  endif()
endforeach()
if(NOT FUZZ_RUNS)
  set(FUZZ_RUNS 20000)
endif()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}): ${ARGN}\n${out}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

# chaosq_expect_token(<var> <exit code> <regex> <command...>): as chaosq_expect_exit, and sets
# <var> to the first token the output shows in a "byo-chaosq replay TOKEN" line.
function(chaosq_expect_token var expected pattern)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT "${rc}" STREQUAL "${expected}")
    message(FATAL_ERROR "'${ARGN}' exited with '${rc}', expected ${expected}")
  endif()
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "the output of '${ARGN}' does not match: ${pattern}")
  endif()
  if(NOT out MATCHES "byo-chaosq replay (cq[0-9]+-[A-Za-z0-9_-]+)")
    message(FATAL_ERROR "'${ARGN}' printed no 'byo-chaosq replay TOKEN' line")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

# 1. Install chaosq (the README's first command ends with this).
set(install_args --install ${BUILD_DIR} --prefix ${prefix})
if(CONFIG)
  list(APPEND install_args --config ${CONFIG})
endif()
run_step("cmake --install into ${prefix}" ${CMAKE_COMMAND} ${install_args})
foreach(file lib/cmake/chaosq/chaosqConfig.cmake lib/cmake/chaosq/chaosqConfigVersion.cmake
             lib/cmake/chaosq/chaosqTargets.cmake include/chaosq/harness/work_queue.hpp
             include/chaosq/queue/queue.hpp include/chaosq/sim/loop.hpp
             include/chaosq/cli/cli.hpp include/chaosq/scenarios/runner.hpp
             include/chaosq/fuzz/targets.hpp
             bin/chaosq)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the install lacks ${file}")
  endif()
endforeach()

# 2. Configure the user's project against it.
set(configure_args -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(CONFIG)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
run_step("configure the example against the installed package" ${CMAKE_COMMAND} ${configure_args})
# 3. Build it.
run_step("build the example" ${CMAKE_COMMAND} --build ${build})

# Our flags stay ours: none of chaosq::flags' compile options may reach a user's compile line
# (but byo_fuzz asks for -fsanitize=fuzzer itself), and the example must see chaosq's installed
# headers, not its source tree.
file(READ ${build}/compile_commands.json commands)
string(REPLACE "-fsanitize=fuzzer" "" commands_but_fuzzer "${commands}")
foreach(ours -Wshadow -Wnon-virtual-dtor -Werror -fsanitize)
  string(FIND "${commands_but_fuzzer}" "${ours}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "chaosq's own flag ${ours} leaked into the user's build:\n${commands}")
  endif()
endforeach()
string(FIND "${commands}" "${prefix}/include" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the example was not compiled against ${prefix}/include:\n${commands}")
endif()

set(byo ${build}/byo-chaosq)
set(stock ${prefix}/bin/chaosq)
set(not_woken "join-late/not-woken")

chaosq_expect_exit(1 "SUMMARY: the engine caught a bug in job_queue: ${not_woken}"
                   ${build}/bring_your_own)

# The scenarios say what must happen; run by the user's command, each passes or fails as it says.
chaosq_expect_exit(0 "SUMMARY: 1 scenario\\(s\\): 1 passed"
                   ${byo} run ${EXAMPLE_DIR}/scenarios/job-queue-fixed-shutdown.yaml)
chaosq_expect_exit(1 "${not_woken}"
                   ${byo} run ${EXAMPLE_DIR}/scenarios/job-queue-shutdown.yaml)

# 4. and 5. The README's explore and replay.
chaosq_expect_token(explored 1 "SUMMARY: violation ${not_woken}"
  ${byo} explore --queue-impl job-queue --consumer resilient-worker --maxsize 2 --items 4
         --consumers 2 --restarts 1 --crash-budget 1 --cancel-budget 1 --shutdown any
         --schedules 5000)
chaosq_expect_exit(1 "SUMMARY: violation ${not_woken}" ${byo} replay ${explored})
chaosq_expect_exit(2 "no queue 'job-queue'" ${stock} replay ${explored})

# The property: the test passes when it refutes the shipped queue; its token replays. (Absent
# only when chaosq was built with CHAOSQ_BUILD_PROPERTIES=OFF.)
if(EXISTS ${prefix}/include/chaosq/properties/join_contract.hpp)
  chaosq_expect_token(property 0 "\\[  PASSED  \\] 2 tests" ${build}/byo_property_test)
  chaosq_expect_exit(1 "SUMMARY: violation" ${byo} replay ${property})
  chaosq_expect_exit(2 "no queue 'job-queue'" ${stock} replay ${property})
endif()

if(EXISTS ${build}/byo_fuzz)
  file(MAKE_DIRECTORY ${WORK_DIR}/fuzz)
  # A finding aborts; libFuzzer then exits with -error_exitcode.
  chaosq_expect_token(fuzzed 77 "SUMMARY: chaosq-fuzz: registered/job-queue"
    ${build}/byo_fuzz -runs=${FUZZ_RUNS} -seed=1 -error_exitcode=77
                      -artifact_prefix=${WORK_DIR}/fuzz/)
  chaosq_expect_exit(1 "SUMMARY: violation" ${byo} replay ${fuzzed})
elseif(CXX_COMPILER MATCHES "clang")
  message(FATAL_ERROR "clang built no byo_fuzz")
endif()

# A dependency missing on the user's machine stops their configure with the Debian package to
# install (here: yaml-cpp hidden from find_package).
execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/no-yaml-cpp
                        -DCMAKE_DISABLE_FIND_PACKAGE_yaml-cpp=ON
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "install the Debian[ \n]+package[ \n]+libyaml-cpp-dev")
  message(FATAL_ERROR "without yaml-cpp, configuring against chaosq did not name "
                      "libyaml-cpp-dev (exit ${rc}):\n${out}")
endif()
message(STATUS "a missing dependency names its Debian package: ok")
