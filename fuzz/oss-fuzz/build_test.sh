#!/bin/bash -eu
# Runs fuzz/oss-fuzz/build.sh as OSS-Fuzz would (ASan, libFuzzer), with the variables it reads
# pointing into a scratch folder, then checks each binary it produced runs its seed corpus and
# a short seeded fuzzing run, and that the corpus zips, dictionaries and options exist.
# Usage: build_test.sh SOURCE_DIR SCRATCH_DIR
src=$(realpath "$1") scratch=$(realpath -m "$2")
rm -rf "$scratch" && mkdir -p "$scratch/out" "$scratch/work"
export CC=clang CXX=clang++ SRC=$scratch CHAOSQ_SRC=$src OUT=$scratch/out WORK=$scratch/work
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
bash "$src/fuzz/oss-fuzz/build.sh" > "$scratch/build.log" 2>&1 || { tail -30 "$scratch/build.log"; exit 1; }
for t in schedule schedule_threads queue_model scenario_loader replay_token; do
  for f in "$t" "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do
    [ -s "$OUT/$f" ] || { echo "missing $OUT/$f"; exit 1; }
  done
  mkdir -p "$scratch/seeds/$t" && unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$scratch/seeds/$t"
  (cd "$OUT" && "./$t" -runs=500 -seed=1 -dict="$t.dict" "$scratch/seeds/$t") > "$scratch/$t.log" 2>&1 \
    || { tail -30 "$scratch/$t.log"; exit 1; }
  grep -q "Done 500 runs" "$scratch/$t.log" || { tail -30 "$scratch/$t.log"; exit 1; }
  echo "$t: ok"
done
