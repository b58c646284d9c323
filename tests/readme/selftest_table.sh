#!/usr/bin/env bash
# The README's table of schedules to first catch, per planted bug and strategy, is what
# `chaosq selftest --schedules 10000` (seed 1) prints today, for the hand-made workloads and over
# generated ones: the same on every machine, compiler
# and --jobs (a run is a pure function of its decisions). A change to a strategy or to the zoo
# that forgets the README fails the suite.
#
#   selftest_table.sh CHAOSQ SOURCE_DIR           # compare
#   selftest_table.sh CHAOSQ SOURCE_DIR --write   # rewrite the README's table
set -uo pipefail
chaosq=$1
readme="$2/README.md"
begin='<!-- selftest table: tests/readme/selftest_table.sh writes it -->'
end='<!-- end of selftest table -->'

out=$("$chaosq" selftest --schedules 10000 --seed 1 --progress never) || true
# Rows: target strategy caught schedules ...; pivoted to one line per target. The rows of the
# hand-made workloads first, then (space:bug:NAME) each planted bug over generated workloads.
pivot() {
  awk -v space="$1" -v head="$2" '
    $1 == "target" || $1 == "SUMMARY:" || NF < 4 { next }
    (index($1, "space:") == 1) != space { next }
    {
      target = space ? substr($1, 7) : $1
      if (!($2 in seen)) { seen[$2] = 1; strategies[++n] = $2 }
      if (!(target in row)) { row[target] = 1; targets[++m] = target }
      cell[target, $2] = ($3 == "yes") ? $4 : "missed"
    }
    END {
      if (m == 0) exit
      line = "| " head " |"; rule = "|---|"
      for (s = 1; s <= n; ++s) { line = line " " strategies[s] " |"; rule = rule "---:|" }
      print line; print rule
      for (t = 1; t <= m; ++t) {
        line = "| `" targets[t] "` |"
        for (s = 1; s <= n; ++s) line = line " " cell[targets[t], strategies[s]] " |"
        print line
      }
    }' <<<"$out"
}
made=$(pivot 0 "planted bug or policy")
generated=$(pivot 1 "planted bug, over generated workloads")
[ -n "$made" ] || { echo "FAIL: chaosq selftest printed no table"; exit 1; }
[ -n "$generated" ] || { echo "FAIL: chaosq selftest printed no rows over generated workloads"; exit 1; }
table=$(printf '%s\n\n%s' "$made" "$generated")

if [ "${3:-}" = "--write" ]; then
  awk -v begin="$begin" -v end="$end" -v table="$table" '
    $0 == begin { print; print table; skipping = 1; next }
    $0 == end { skipping = 0 }
    !skipping { print }' "$readme" >"$readme.new" && mv "$readme.new" "$readme"
  echo "rewrote the selftest table in $readme"
  exit 0
fi
stated=$(awk -v begin="$begin" -v end="$end" '
  $0 == end { inside = 0 } inside { print } $0 == begin { inside = 1 }' "$readme")
[ -n "$stated" ] || { echo "FAIL: the README has no selftest table between its markers"; exit 1; }
if [ "$stated" != "$table" ]; then
  echo "FAIL: the README's selftest table is not what chaosq selftest prints now:"
  diff <(echo "$stated") <(echo "$table")
  echo "(rewrite it: bash tests/readme/selftest_table.sh CHAOSQ . --write)"
  exit 1
fi
echo "the README's selftest table is what chaosq selftest prints"
