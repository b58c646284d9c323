#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: compiles every chaosq fuzz target with the engine's
# $CC/$CXX/$CFLAGS/$CXXFLAGS, links $LIB_FUZZING_ENGINE, and puts into $OUT each target with its
# <target>_seed_corpus.zip, <target>.dict and <target>.options. $SRC/chaosq is the checkout
# (or set CHAOSQ_SRC); $WORK (default: a temporary folder) holds the CMake build.
src=${CHAOSQ_SRC:-$SRC/chaosq}
work=${WORK:-$(mktemp -d)}/chaosq-build
# clang 14's -fsanitize=function cannot compile split coroutine functions (cmake/CMakeLists.txt).
extra=""
case "$CXXFLAGS" in *function*|*undefined*) extra="-fno-sanitize=function" ;; esac
cmake -S "$src" -B "$work" -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS $extra" -DCMAKE_BUILD_TYPE=Release \
  -DCHAOSQ_FUZZ=OFF -DCHAOSQ_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DCHAOSQ_BUILD_TESTS=OFF \
  -DCHAOSQ_BUILD_BENCH=OFF -DCHAOSQ_BUILD_EXAMPLES=OFF -DCHAOSQ_BUILD_PROPERTIES=OFF -DCHAOSQ_SANITIZE=OFF
targets="schedule schedule_threads queue_model scenario_loader replay_token"
cmake --build "$work" -j"$(nproc)" --target $(for t in $targets; do echo chaosq_fuzz_$t; done)
for t in $targets; do
  cp "$work/fuzz/chaosq_fuzz_$t" "$OUT/$t"
  (cd "$src/fuzz/corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  cp "$src/fuzz/dict/$t.dict" "$OUT/$t.dict"
  printf '[libfuzzer]\ndict = %s.dict\nmax_len = 4096\n' "$t" > "$OUT/$t.options"
done
