# What a user does with chaosq, as a test: install the build into a fresh prefix, build
# examples/bring_your_own on its own against it (find_package(chaosq CONFIG)), and run it,
# expecting exit code 1: the engine caught the bug planted in the example's queue.
#
# The out-of-tree project gets the main build's compiler, build type and global flags
# (CMAKE_CXX_FLAGS, CMAKE_EXE_LINKER_FLAGS: a toolchain choice a user shares), never chaosq's own
# warning or sanitizer flags, and the test fails if any of those reached its compile commands.
#
# cmake -DBUILD_DIR= -DCONFIG= -DWORK_DIR= -DEXAMPLE_DIR= -DGENERATOR= -DMAKE_PROGRAM=
#       -DCXX_COMPILER= -DCXX_FLAGS= -DEXE_LINKER_FLAGS= -P build_against_install.cmake
include(${CMAKE_CURRENT_LIST_DIR}/expect_exit.cmake)

foreach(required BUILD_DIR WORK_DIR EXAMPLE_DIR GENERATOR CXX_COMPILER)
  if(NOT ${required})
    message(FATAL_ERROR "build_against_install.cmake needs -D${required}=")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}): ${ARGN}\n${out}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

set(install_args --install ${BUILD_DIR} --prefix ${prefix})
if(CONFIG)
  list(APPEND install_args --config ${CONFIG})
endif()
run_step("cmake --install into ${prefix}" ${CMAKE_COMMAND} ${install_args})
foreach(file lib/cmake/chaosq/chaosqConfig.cmake lib/cmake/chaosq/chaosqConfigVersion.cmake
             lib/cmake/chaosq/chaosqTargets.cmake include/chaosq/harness/work_queue.hpp
             include/chaosq/queue/queue.hpp include/chaosq/sim/loop.hpp)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the install lacks ${file}")
  endif()
endforeach()

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
run_step("build the example" ${CMAKE_COMMAND} --build ${build})

# Our flags stay ours: none of chaosq::flags' compile options may reach a user's compile line,
# and the example must see chaosq's installed headers, not its source tree.
file(READ ${build}/compile_commands.json commands)
foreach(ours -Wshadow -Wnon-virtual-dtor -Werror -fsanitize)
  string(FIND "${commands}" "${ours}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "chaosq's own flag ${ours} leaked into the user's build:\n${commands}")
  endif()
endforeach()
string(FIND "${commands}" "${prefix}/include" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the example was not compiled against ${prefix}/include:\n${commands}")
endif()

chaosq_expect_exit(1 "SUMMARY: the engine caught a bug in job_queue: join-late/not-woken"
                   ${build}/bring_your_own)
