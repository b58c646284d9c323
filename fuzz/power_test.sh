#!/usr/bin/env bash
# Proof of power with libFuzzer itself: for every zoo entry (each planted bug and each leaky ack
# policy, the seed incident's among them), the schedule_zoo binary aimed at that entry
# (CHAOSQ_FUZZ_ZOO_ENTRY) must report it within a fixed execution budget, starting from the
# `schedule` target's checked-in seed corpus and dictionary (as the nightly job does), with a
# fixed seed: -runs bounds the executions, never the clock.
#
#   power_test.sh FUZZ_BINARY FUZZ_SOURCE_DIR SCRATCH_DIR [RUNS=20000]
set -uo pipefail
bin=$1 fuzz_dir=$2 scratch=$3 runs=${4:-20000}
rm -rf "$scratch" && mkdir -p "$scratch"
entries=$(CHAOSQ_FUZZ_ZOO_ENTRY='?' "$bin" -runs=1 2>&1 | sed -n 's/.*; entries: *//p')
[ -n "$entries" ] || { echo "FAIL: $bin did not list its zoo entries"; exit 1; }
missed=0 count=0
for entry in $entries; do
  count=$((count + 1))
  log=$scratch/${entry//:/.}.log
  mkdir -p "$scratch/corpus.${entry//:/.}"
  CHAOSQ_FUZZ_ZOO_ENTRY=$entry "$bin" -seed=1 -runs="$runs" -artifact_prefix="$scratch/" \
    -dict="$fuzz_dir/dict/schedule_zoo.dict" "$scratch/corpus.${entry//:/.}" \
    "$fuzz_dir/corpus/schedule" >"$log" 2>&1
  if grep -q "^SUMMARY: chaosq-fuzz: schedule_zoo/$entry " "$log"; then
    # libFuzzer's last status line before the finding says how many executions it had run.
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1)
    printf '%-28s found (libFuzzer had last reported %s executions)\n' "$entry" "${execs:-#0}"
  else
    printf '%-28s NOT found in %s executions (log: %s)\n' "$entry" "$runs" "$log"
    missed=$((missed + 1))
  fi
  if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$log"; then
    echo "FAIL: a sanitizer report while fuzzing $entry (log: $log)"
    missed=$((missed + 1))
  fi
done
[ "$missed" -eq 0 ] || { echo "FAIL: $missed of $count entries not found"; exit 1; }
echo "all $count zoo entries found within $runs executions each (seed 1)"
