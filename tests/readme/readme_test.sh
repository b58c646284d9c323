#!/usr/bin/env bash
# The README's counts are the tree's: each number the README states about the project itself
# (not a measurement) is recomputed here from the files it counts, so a change that adds a
# scenario, a verdict's golden case or a fuzz target and forgets the README fails the suite.
#
#   readme_test.sh SOURCE_DIR
set -uo pipefail
src=$1
readme="$src/README.md"
failures=0
# expect WHAT README_NUMBER ACTUAL
expect() {
  if [ -z "$2" ]; then
    echo "FAIL: the README no longer states $1 where this test looks for it"
    failures=$((failures + 1))
  elif [ "$2" != "$3" ]; then
    echo "FAIL: the README says $2 $1, the tree has $3"
    failures=$((failures + 1))
  else
    echo "ok: $3 $1"
  fi
}
# The README spells small counts as words.
number() {
  case "$1" in
    one) echo 1 ;; two) echo 2 ;; three) echo 3 ;; four) echo 4 ;; five) echo 5 ;;
    six) echo 6 ;; seven) echo 7 ;; eight) echo 8 ;; nine) echo 9 ;; ten) echo 10 ;;
    *) tr -d , <<<"$1" ;;
  esac
}
text=$(tr '\n' ' ' <"$readme")

expect "bundled scenarios" \
  "$(sed -n 's/.*The \([0-9]*\) bundled scenarios.*/\1/p' <<<"$text")" \
  "$(find "$src/scenarios" -maxdepth 1 -name '*.yaml' | wc -l)"
expect "golden failures" \
  "$(sed -n 's/.*finds, shrinks and renders \([0-9,]*\) failures.*/\1/p' <<<"$text" | tr -d ,)" \
  "$(grep -c '^=== ' "$src/harness/testdata/golden_failures.txt")"
expect "libFuzzer targets" \
  "$(number "$(sed -n 's/.* has \([a-z0-9]*\) libFuzzer targets.*/\1/p' <<<"$text")")" \
  "$(find "$src/fuzz" -maxdepth 1 -name 'fuzz_*.cpp' | wc -l)"
expect "conformance programs in the test suite" \
  "$(sed -n 's/.*byte-identical observation logs: \([0-9,]*\) programs in the test suite.*/\1/p' \
     <<<"$text" | tr -d ,)" \
  "$(sed -n 's/.*chaosq_differential --programs \([0-9]*\) --seed 1).*/\1/p' \
     "$src/conformance/CMakeLists.txt")"
expect "RC_PARAMS of the properties in CI" \
  "$(sed -n 's/.*CI runs a fixed budget, `RC_PARAMS="\([^"]*\)"`.*/\1/p' <<<"$text")" \
  "$(sed -n 's/^set(CHAOSQ_PROPERTIES_RC_PARAMS "\([^"]*\)".*/\1/p' "$src/properties/CMakeLists.txt")"

[ "$failures" -eq 0 ] || { echo "$failures README count(s) disagree with the tree"; exit 1; }
echo "every README count checked agrees with the tree"
