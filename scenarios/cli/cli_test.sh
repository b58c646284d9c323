#!/usr/bin/env bash
# The chaosq CLI as a new user meets it: exit codes, SUMMARY lines, tokens that replay, errors
# that say what is wrong. Usage: cli_test.sh PATH/TO/chaosq PATH/TO/own-command, the second a
# team's own command built on chaosq::cli::run (cli/own_command_test_main.cpp).
set -u
chaosq=$1
own=$2
failures=0
out=$(mktemp)
trap 'rm -f "$out" "$out.token"' EXIT

check() {  # check DESCRIPTION EXPECTED_RC PATTERN -- COMMAND...
  local what=$1 want_rc=$2 pattern=$3
  shift 4
  "$@" >"$out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want_rc" ] || ! grep -Eq -- "$pattern" "$out"; then
    echo "FAIL: $what (exit $rc, wanted $want_rc; pattern '$pattern')"
    sed 's/^/    /' "$out"
    failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}

check "the classic leak is found and names the leaked item" 1 \
  'join-hang/held-by-crashed.*|Unacknowledged: i[0-9]+ \(put by p0' -- \
  "$chaosq" explore --policy on-success --items 3 --consumers 2 --crash-budget 1 --schedules 10000 --seed 1
grep -Eq 'Unacknowledged: i[0-9]+ \(put by p0 at step [0-9]+, got by c[0-9] at step [0-9]+, held by c[0-9]' "$out" \
  || { echo "FAIL: the verdict does not name item, taker and steps"; failures=$((failures + 1)); }
tail -n 1 "$out" | grep -q '^SUMMARY: violation join-hang/held-by-crashed' \
  || { echo "FAIL: the last line is not the SUMMARY"; failures=$((failures + 1)); }

token=$(grep -o 'chaosq replay cq1-[A-Za-z0-9_-]*' "$out" | head -n 1 | cut -d' ' -f3)
[ -n "$token" ] || { echo "FAIL: no replay token printed"; failures=$((failures + 1)); }
check "the token replays to the same verdict" 1 'SUMMARY: violation join-hang/held-by-crashed' -- \
  "$chaosq" replay "$token"

printf '%s\n' "$token" >"$out.token"
check "a token replays from a file (@FILE)" 1 'SUMMARY: violation join-hang/held-by-crashed' -- \
  "$chaosq" replay "@$out.token"
check "a token replays from standard input (-)" 1 'SUMMARY: violation join-hang/held-by-crashed' -- \
  sh -c "\"\$0\" replay - <\"\$1\"" "$chaosq" "$out.token"
check "a missing token file is bad input" 2 'SUMMARY: bad input: cannot read the token file' -- \
  "$chaosq" replay @/nonexistent/token
check "explore shrinks the workload of the seed leak to one item and one consumer" 1 \
  '^minimal workload: .* items=1 .* consumers=1 ' -- \
  "$chaosq" explore --policy on-success --items 20 --consumers 4 --crash-budget 1
check "--keep-workload keeps the workload given" 1 '^minimal trace: ' -- \
  "$chaosq" explore --policy on-success --items 20 --consumers 4 --crash-budget 1 --keep-workload
grep -q '^minimal workload: ' "$out" &&
  { echo "FAIL: --keep-workload still shrank the workload"; failures=$((failures + 1)); }
check "ack in finally passes" 0 '^SUMMARY: no violation in 10000 schedules' -- \
  "$chaosq" explore --policy finally --items 3 --consumers 2 --crash-budget 1 --schedules 10000 --seed 1

check "a corrupted token is bad input, not a crash" 2 'SUMMARY: bad input: invalid token: checksum' -- \
  "$chaosq" replay "${token%?}$( [ "${token: -1}" = 0 ] && echo 1 || echo 0 )"
# A token whose checksum is right is still checked field by field against the table's ranges.
huge_budget=$(python3 -c '
import base64, zlib
payload = bytes([0, 0, 1, 3, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0, 8]) + bytes([0x80] * 9 + [1]) + bytes(3)
print("cq1-" + base64.urlsafe_b64encode(payload).decode().rstrip("=") + "-%08x" % zlib.crc32(payload))')
check "a token with a valid checksum and a step budget of 2^63 is refused, naming the range" 2 \
  'SUMMARY: bad input: invalid token: invalid workload: step-budget is 9223372036854775808, not in 0\.\.100000000' -- \
  "$chaosq" replay "$huge_budget"
check "--help says the step budget scales with the workload" 0 \
  '--step-budget N .*default scales with the workload: 10 x \(items in all' -- \
  "$chaosq" explore --help
check "a workload past the old fixed budget of 100000 steps is no livelock" 0 'SUMMARY: no violation' -- \
  "$chaosq" explore --items 20000 --consumers 50 --work-steps 8 --schedules 1
check "a truncated token is bad input" 2 'SUMMARY: bad input: invalid token' -- \
  "$chaosq" replay "${token:0:20}"
check "a misspelled policy suggests the right one" 2 "did you mean 'finally'" -- \
  "$chaosq" explore --policy finaly
check "an unknown flag is a usage error" 2 'SUMMARY: bad usage' -- "$chaosq" explore --frobnicate
check "no subcommand is a usage error" 2 'SUMMARY: bad usage' -- "$chaosq"
check "a misspelled command suggests the right one" 2 "unknown command 'exploer'; did you mean 'explore'\?" -- \
  "$chaosq" exploer
check "a misspelled flag suggests the right one, not its value" 2 \
  "SUMMARY: bad usage: unknown option --itmes; did you mean --items\?$" -- "$chaosq" explore --itmes 3
check "with --json, a usage error is JSON" 2 '"error": "bad usage"' -- "$chaosq" explore --items abc --json
check "with --json, a bad token is JSON" 2 '"error": "bad input"' -- "$chaosq" replay BADTOKEN --json
check "--help explains exit codes" 0 'Exit codes: 0 no violation, 1 violation found' -- "$chaosq" --help
check "--json prints JSON with the verdict" 1 '"signature": "join-hang/held-by-crashed"' -- \
  "$chaosq" explore --policy on-success --crash-budget 1 --schedules 10000 --seed 1 --json
check "an early ack is caught" 1 'SUMMARY: violation work-unfinished' -- \
  "$chaosq" explore --policy before-work --work-steps 2 --schedules 10000 --seed 1
# The retry's first ack is already early (join may return while the retry runs); its second is
# the double ack. Whichever the schedule shows first is the verdict.
check "a double ack on retry is caught" 1 'SUMMARY: violation (over-ack/double-ack|work-unfinished)' -- \
  "$chaosq" explore --policy twice --crash-budget 1 --schedules 10000 --seed 1
check "with joins late enough, the double ack itself shows" 1 'over-ack/double-ack' -- \
  "$chaosq" explore --policy twice --crash-budget 1 --joiners 0 --schedules 10000 --seed 1

# Drawn crashes restricted to one point: the leak is still found, the token is version 2 and
# replays to the same verdict, and every crash in the minimal trace is at that point.
check "--crash-points mid-item finds the leak with a version 2 token" 1 \
  'SUMMARY: violation join-hang/held-by-crashed' -- \
  "$chaosq" explore --policy on-success --items 3 --consumers 2 --crash-budget 3 \
  --crash-points mid-item --schedules 10000 --seed 1
grep -q 'crash at mid-item (drawn)' "$out" \
  || { echo "FAIL: the minimal trace has no drawn mid-item crash"; failures=$((failures + 1)); }
! grep -Eq 'crash at (after-get|before-ack|after-ack|in-get|before-put) \(drawn\)' "$out" \
  || { echo "FAIL: a drawn crash struck outside --crash-points"; failures=$((failures + 1)); }
token2=$(grep -o 'chaosq replay cq2-[A-Za-z0-9_-]*' "$out" | head -n 1 | cut -d' ' -f3)
[ -n "$token2" ] || { echo "FAIL: no version 2 token printed"; failures=$((failures + 1)); }
check "the version 2 token replays to the same verdict" 1 \
  'SUMMARY: violation join-hang/held-by-crashed' -- "$chaosq" replay "$token2"
check "--crash-points at a point without drawn crashes is a usage error" 2 \
  'crashes are never drawn at in-join' -- "$chaosq" explore --crash-points mid-item,in-join
check "a misspelled crash point suggests the name" 2 "did you mean 'before-ack'" -- \
  "$chaosq" explore --crash-points before-akc

# ---- chaosq run: YAML scenarios, reports, and the round trip failure -> scenario -> same verdict
bundled=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -f "$out" "$out.token"; rm -rf "$work"' EXIT

check "a bundled scenario passes" 0 '^PASS seed-incident .*join-hang/held-by-crashed.*unacknowledged i1' -- \
  "$chaosq" run "$bundled/seed-incident.yaml"
tail -n 1 "$out" | grep -q '^SUMMARY: 1 scenario(s): 1 passed$' \
  || { echo "FAIL: run's last line is not the SUMMARY"; failures=$((failures + 1)); }

sed 's/policy: finally/policy: on-success/; s/^name: .*/name: regressed/' \
  "$bundled/seed-incident-fixed.yaml" >"$work/regressed.yaml"
check "a scenario that fails its expectation exits 1 with trace, token and reproducer" 1 \
  '^FAIL regressed .*expected no violation, but schedule [0-9]+ shows join-hang/' -- \
  "$chaosq" run "$work/regressed.yaml" --junit "$work/junit.xml" --timeline "$work/timeline.html"
for want in 'minimal trace: ' 'reproduce: chaosq replay cq1-' 'reproducer \(save as regressed-repro.yaml' \
            '^SUMMARY: 1 scenario\(s\): 0 passed, 1 failed \(regressed\)$'; do
  grep -Eq -- "$want" "$out" || { echo "FAIL: run's FAIL report lacks '$want'"; failures=$((failures + 1)); }
done
failed_signature=$(grep -o 'expected no violation, but schedule [0-9]* shows [a-z/-]*' "$out" | awk '{print $NF}')
sed -n '/^  reproducer (save as/,/^$/p' "$out" | sed '1d' >"$work/regressed-repro.yaml"
check "the printed reproducer, saved, reproduces the same verdict" 0 \
  "^PASS regressed-repro .*: ${failed_signature} shown by the pinned run" -- \
  "$chaosq" run "$work/regressed-repro.yaml"
grep -q '<failure message="expected no violation' "$work/junit.xml" \
  && grep -q 'minimal trace: ' "$work/junit.xml" && grep -q 'reproduce: chaosq replay cq1-' "$work/junit.xml" \
  || { echo "FAIL: the JUnit <failure> text lacks the verdict, trace or reproduce command"; failures=$((failures + 1)); }
grep -q '<svg ' "$work/timeline.html" \
  || { echo "FAIL: --timeline wrote no SVG timeline"; failures=$((failures + 1)); }

check "--html DIR writes one timeline per failing scenario" 1 '^FAIL regressed ' -- \
  "$chaosq" run "$work/regressed.yaml" --html "$work/pages"
grep -q '<polyline class="item-path"' "$work/pages/regressed.html" \
  || { echo "FAIL: run --html wrote no timeline tracing the leaked item"; failures=$((failures + 1)); }
touch "$work/not-a-dir"
check "an --html path that cannot be a directory is bad input" 2 '^SUMMARY: .*a report file could not be written' -- \
  "$chaosq" run "$bundled/seed-incident.yaml" --html "$work/not-a-dir"
check "replay --html to an unwritable path is bad input" 2 '^SUMMARY: bad input: cannot write' -- \
  "$chaosq" replay "$token" --html "$work/missing-dir/leak.html"

check "--json reports each scenario for tools" 1 '"status": "fail"' -- \
  "$chaosq" run "$work/regressed.yaml" --json
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' <(sed '/^SUMMARY:/d' "$out") 2>/dev/null \
  || { echo "FAIL: run --json is not JSON"; failures=$((failures + 1)); }
# One failure value: run's evidence and explore's first_failure carry the same fields.
sed '/^SUMMARY:/d' "$out" >"$work/run.json"
"$chaosq" explore --policy on-success --items 3 --consumers 2 --crash-budget 1 --schedules 10000 \
  --seed 1 --json 2>/dev/null >"$work/explore.json"
python3 - "$work/run.json" "$work/explore.json" <<'PY' \
  || { echo "FAIL: run --json and explore --json render the failure differently"; failures=$((failures + 1)); }
import json, sys
run = json.load(open(sys.argv[1]))["scenarios"][0]["evidence"]
explore = json.load(open(sys.argv[2]))["first_failure"]
for key in ("signature", "message", "token", "reproduce", "original_token", "decisions", "shrink",
            "unacknowledged", "trace", "schedule"):
    assert key in run and key in explore, key
assert run["unacknowledged"] and explore["unacknowledged"][0]["put_by"] == "p0"
PY

# The strategy knobs of a scenario reach the strategy: DFS without preemptions or faults covers
# its whole (small) space in fewer schedules than with one preemption.
dfs_count() {
  printf 'version: 1\nname: dfs\nconsumers: {count: 2}\nexplore: {strategy: dfs, schedules: 100000, preemptions: %s, max_faults: 0}\nexpect: {verdict: none}\n' "$1" >"$work/dfs.yaml"
  "$chaosq" run "$work/dfs.yaml" | grep -o 'no violation in [0-9]* schedule' | awk '{print $4}'
}
k0=$(dfs_count 0) k1=$(dfs_count 1)
[ -n "$k0" ] && [ -n "$k1" ] && [ "$k0" -lt "$k1" ] \
  || { echo "FAIL: explore.preemptions does not bound DFS ($k0 vs $k1 schedules)"; failures=$((failures + 1)); }

printf 'version: 1\nname: typo\nqueue:\n  maxsise: 3\nexpect: {verdict: none}\n' >"$work/typo.yaml"
check "a misspelled key is bad input with file:line:column and a suggestion" 2 \
  "typo.yaml:4:3: error: queue.maxsise: unknown key 'maxsise' in 'queue'; did you mean 'maxsize'\?" -- \
  "$chaosq" run "$work/typo.yaml"
printf 'version: 1\nname: dup\nname: again\nexpect: {verdict: none}\n' >"$work/dup.yaml"
check "a duplicate key is bad input naming both positions" 2 \
  "dup.yaml:3:1: error: name: duplicate key 'name' \(first at line 2, column 1\)" -- \
  "$chaosq" run "$work/dup.yaml"
check "a missing file is bad input" 2 '^SUMMARY: 1 scenario\(s\): 0 passed, 1 invalid' -- \
  "$chaosq" run "$work/no-such.yaml"
check "run without files is a usage error" 2 'SUMMARY: bad usage' -- "$chaosq" run
check "run --schema documents every key" 0 '^\| `faults.pinned\[\].point` \|' -- "$chaosq" run --schema

check "explore --save-scenario writes the shrunk failure as a scenario" 1 \
  'SUMMARY: violation join-hang/held-by-crashed' -- \
  "$chaosq" explore --policy on-success --crash-budget 1 --schedules 10000 --seed 1 \
  --save-scenario "$work/explored.yaml"
check "run on the saved scenario shows the same verdict" 0 \
  '^PASS explored .*: join-hang/held-by-crashed shown by the pinned run' -- \
  "$chaosq" run "$work/explored.yaml"

"$chaosq" replay "$token" --as-scenario >"$work/from-token.yaml" 2>/dev/null
check "replay --as-scenario, run, shows the token's verdict" 0 \
  '^PASS replay-join-hang-held-by-crashed .*: join-hang/held-by-crashed shown by the pinned run' -- \
  "$chaosq" run "$work/from-token.yaml"

# Numbers on the command line are what YAML takes: decimal digits in the field's range, else
# exit 2 naming the flag and the range (measured before: these were accepted or wrapped).
check "--maxsize -5 is bad usage naming the range" 2 \
  '^SUMMARY: bad usage: --maxsize: -5 is out of range: expected an integer 0\.\.2147483647' -- \
  "$chaosq" explore --maxsize -5
check "--items 0x10 is bad usage (decimal only)" 2 \
  "^SUMMARY: bad usage: --items: expected an integer 0\.\.1000000 \(decimal digits\), got '0x10'" -- \
  "$chaosq" explore --items 0x10
check "--items ' 3' is bad usage (no spaces)" 2 \
  "^SUMMARY: bad usage: --items: expected an integer 0\.\.1000000 \(decimal digits\), got ' 3'" -- \
  "$chaosq" explore --items " 3"
check "--seed -1 is bad usage, not seed 2^64-1" 2 \
  '^SUMMARY: bad usage: --seed: -1 is out of range: expected an integer 0\.\.18446744073709551615' -- \
  "$chaosq" explore --seed -1
check "--seed 2^64 is bad usage, not seed 2^64-1" 2 \
  '^SUMMARY: bad usage: --seed: 18446744073709551616 is out of range: expected an integer 0\.\.18446744073709551615' -- \
  "$chaosq" explore --seed 18446744073709551616
check "--schedules -5 is bad usage, not 2^64-5 schedules" 2 \
  '^SUMMARY: bad usage: --schedules: -5 is out of range: expected an integer 1\.\.1000000000' -- \
  "$chaosq" explore --schedules -5
check "--schedules 0 is bad usage, as in YAML" 2 \
  '^SUMMARY: bad usage: --schedules: 0 is out of range: expected an integer 1\.\.1000000000' -- \
  "$chaosq" explore --schedules 0
check "--shrink-time nan is bad usage" 2 \
  "^SUMMARY: bad usage: --shrink-time: expected a number of seconds 0\.\.3600 \(decimal\), got 'nan'" -- \
  "$chaosq" explore --shrink-time nan
check "run --shrink-time inf is bad usage" 2 "^SUMMARY: bad usage: --shrink-time: .*got 'inf'" -- \
  "$chaosq" run "$bundled/seed-incident.yaml" --shrink-time inf
check "selftest --schedules 0 is bad usage" 2 '^SUMMARY: bad usage: --schedules: 0 is out of range' -- \
  "$chaosq" selftest --schedules 0
check "--restart is still accepted for --restarts" 0 'restarts=2' -- \
  "$chaosq" explore --restart 2 --schedules 10
printf 'version: 1\nname: hex\nproducers:\n  items: 0x10\nexpect: {verdict: none}\n' >"$work/hex.yaml"
check "YAML rejects 0x10 with file:line:col and the range, as the CLI does" 2 \
  "hex.yaml:4:10: error: producers.items: expected an integer 0\.\.1000000 \(decimal digits\), got '0x10'" -- \
  "$chaosq" run "$work/hex.yaml"
printf 'version: 1\nname: neg\nqueue: {maxsize: -5}\nexpect: {verdict: none}\n' >"$work/neg.yaml"
check "YAML rejects maxsize -5 with file:line:col and the range, as the CLI does" 2 \
  "neg.yaml:3:18: error: queue.maxsize: -5 is out of range: expected an integer 0\.\.2147483647" -- \
  "$chaosq" run "$work/neg.yaml"

# explore names the strategy it ran, in text and JSON.
for strategy in random pct dfs; do
  check "explore --strategy $strategy says so in its header" 0 "^strategy $strategy, seed 1" -- \
    "$chaosq" explore --strategy "$strategy" --schedules 20
  check "explore --strategy $strategy says so in its JSON" 0 "\"strategy\": \"$strategy\"" -- \
    "$chaosq" explore --strategy "$strategy" --schedules 20 --json
done

# A space of generated workloads: drawn, explored with each strategy, judged against the
# reference; the minimal run's token replays; bad bounds are usage errors naming flag and range.
for strategy in random pct dfs portfolio; do
  check "explore --space --strategy $strategy finds a planted bug" 1 \
    '^SUMMARY: violation (join-early|over-ack)[^ ]* at workload [0-9]+, schedule [0-9]+' -- \
    "$chaosq" explore --space --queue-bug late-count --strategy "$strategy" --workloads 50 --schedules 200
done
grep -q '^found on (workload [0-9]*, schedule [0-9]*): queue=' "$out" && grep -q '^shrunk to: ' "$out" \
  || { echo "FAIL: explore --space does not show the workload found on and the shrunk one"; failures=$((failures + 1)); }
space_token=$(grep -o 'chaosq replay cq4-[A-Za-z0-9_-]*' "$out" | head -n 1 | cut -d' ' -f3)
space_sig=$(sed -n 's/^SUMMARY: violation \([^ ]*\) at workload.*/\1/p' "$out")
[ -n "$space_token" ] || { echo "FAIL: explore --space prints no token"; failures=$((failures + 1)); }
check "the token of explore --space's minimal run replays to its signature" 1 \
  "^SUMMARY: violation ${space_sig:-none}" -- "$chaosq" replay "$space_token"
check "explore --space --json carries the workload found on and the token" 1 '"workload_index": [0-9]+' -- \
  "$chaosq" explore --space --queue-bug get-counts-down --workloads 50 --schedules 200 --json
check "explore --space on the stock reference with finally and no drawn faults passes" 0 \
  '^SUMMARY: no violation in 300 workloads, 6000 schedules' -- \
  "$chaosq" explore --space --workloads 300 --schedules 20 --max-crash-budget 0 --max-cancel-budget 0
check "explore --space fixes the fields given: --queue, --policy" 0 'queue=lifo .*policy=finally' -- \
  "$chaosq" explore --space --queue lifo --policy finally --workloads 5 --schedules 5 --max-crash-budget 0 --max-cancel-budget 0
check "--max-items 0 is bad usage naming the range" 2 \
  '^SUMMARY: bad usage: --max-items: 0 is out of range: expected an integer 1\.\.1000000' -- \
  "$chaosq" explore --space --max-items 0
check "--max-crash-budget beyond the range is bad usage" 2 \
  '^SUMMARY: bad usage: --max-crash-budget: 4294967295 is out of range: expected an integer 0\.\.4294967294' -- \
  "$chaosq" explore --space --max-crash-budget 4294967295
check "--workloads 0 is bad usage" 2 '^SUMMARY: bad usage: --workloads: 0 is out of range' -- \
  "$chaosq" explore --space --workloads 0
check "a space whose largest workload is invalid is bad usage" 2 \
  '^SUMMARY: bad usage: the space.s largest workload is invalid: producers x items' -- \
  "$chaosq" explore --space --max-items 1000000 --max-producers 1000
check "a drawn field's flag with --space names the bound to use" 2 \
  '^SUMMARY: bad usage: --items is drawn with --space; bound it with --max-items 1\.\.1000000' -- \
  "$chaosq" explore --space --items 3
check "a --max-* bound without --space is bad usage" 2 '^SUMMARY: bad usage: --max-items needs --space' -- \
  "$chaosq" explore --max-items 3

# --help: one line per option, saying what it takes in words and its default; no CLI11 type
# names, whichever command or subcommand.
for sub in "" explore replay run selftest; do
  help="$work/help-${sub:-chaosq}.txt"
  "$chaosq" $sub --help >"$help" 2>&1
  if grep -Eq '\b(INT|UINT|TEXT|FLOAT|BOOLEAN)\b|:[0-9]+\.\.[0-9]+' "$help"; then
    echo "FAIL: chaosq $sub --help shows CLI11 type names:"
    grep -E '\b(INT|UINT|TEXT|FLOAT|BOOLEAN)\b|:[0-9]+\.\.[0-9]+' "$help" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok: chaosq $sub --help has no CLI11 type names"
  fi
done
help_line() {  # help_line SUBCOMMAND FLAG EXPECTED: FLAG's line in SUBCOMMAND's --help has EXPECTED
  if grep -E -- "^  $2( |,)" "$work/help-$1.txt" | head -n 1 | grep -Fq -- "$3"; then
    echo "ok: $1 --help: $2 says '$3'"
  else
    echo "FAIL: $1 --help: the $2 line lacks '$3':"
    grep -E -- "^  $2( |,)" "$work/help-$1.txt" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
help_line explore --items 'items each producer puts'
help_line explore --items '--items N'
help_line explore --items '0 to 1,000,000; default 3'
help_line explore --policy 'one of finally, on-success, before-work, twice, never; default finally'
help_line explore --crash-budget '0 to 4,294,967,295; default 1'
help_line explore --shrink-time '0 to 3600 seconds; default 10'
help_line explore --seed '0 to 18,446,744,073,709,551,615; default 1'
help_line explore --progress 'one of auto, always, never; default auto'
help_line run --progress 'one of auto, always, never; default auto'
help_line selftest --progress 'one of auto, always, never; default auto'
help_line selftest --schedules 'default 20,000'
for form in 'cq1-... to cq6-...' '@FILE: ' '-: the token on standard input'; do
  grep -Fq -- "$form" "$work/help-replay.txt" \
    || { echo "FAIL: replay --help does not name the token form '$form'"; failures=$((failures + 1)); }
done
grep -Eq '^  explore +Run many schedules' "$work/help-chaosq.txt" \
  || { echo "FAIL: chaosq --help does not list explore on one line"; failures=$((failures + 1)); }

# Every workload flag names its YAML key; both take the same values (ranges, names, defaults),
# and every workload key of the schema has a flag. Explore's one default of its own is its crash
# budget: 1, where a scenario's is 0.
"$chaosq" run --schema >"$work/schema.md" 2>/dev/null
python3 - "$work/help-explore.txt" "$work/schema.md" <<'PY' || failures=$((failures + 1))
import re, sys
help_text = open(sys.argv[1]).read()
rows = {}
for line in open(sys.argv[2]).read().split("\n\n")[0].splitlines():  # the key table only
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    if len(cells) == 4 and cells[0].startswith("`"):
        rows[cells[0].strip("`")] = (cells[1].replace("\\|", "|"), cells[2].strip("`"))
options = re.findall(r"^  (--[a-z-]+)(?:,--[a-z-]+)? (\S+) .*; ([^;]*); default ([^;]*); YAML ([a-z_.]+)$",
                     help_text, re.M)
problems = []
seen = set()
explore_defaults = {"--crash-budget": ("1", "0")}
for flag, value, accepted, default, key in options:
    seen.add(key)
    if key not in rows:
        problems.append(f"{flag} names {key}, which the schema does not have")
        continue
    yaml_type, yaml_default = rows[key]
    if value == "N":
        lo, _, hi = accepted.replace(",", "").partition(" to ")
        if yaml_type != f"integer {lo}..{hi}":
            problems.append(f"{flag} takes {accepted}, {key} takes {yaml_type}")
        default = default.replace(",", "")
    elif accepted.startswith("a Python module:function"):
        if value != "MODULE:FUNCTION" or yaml_type != "module:function (mode python)":
            problems.append(f"{flag} takes {value}, {key} takes {yaml_type}")
        default = ""
    elif accepted.startswith("a registered NAME or NAME@VERSION"):
        if value != "NAME" or yaml_type != "registered name (NAME or NAME@VERSION)":
            problems.append(f"{flag} takes {value}, {key} takes {yaml_type}")
        default = ""
    elif value == "NAME":
        if accepted[7:].split(", ") != yaml_type.split(" | "):
            problems.append(f"{flag} takes {accepted}, {key} takes {yaml_type}")
    else:
        default = ""
    if flag in explore_defaults:
        if (default, yaml_default) != explore_defaults[flag]:
            problems.append(f"{flag} defaults to {default} and {key} to {yaml_default}, "
                            f"wanted {explore_defaults[flag]}")
    elif default and default != yaml_default and f"({default})" != yaml_default:
        # A default that is a rule, not a value, is "(the rule)" in the schema.
        problems.append(f"{flag} defaults to {default}, {key} to {yaml_default}")
scenario_only = re.compile(r"^(version|name|description|faults\.pinned.*|controls.*|explore.*|expect.*|decisions)$")
for key, (yaml_type, _) in rows.items():
    if yaml_type != "map" and key not in seen and not scenario_only.match(key):
        problems.append(f"the workload key {key} has no CLI flag")
if len(options) < 18:
    problems.append(f"only {len(options)} workload flags name their YAML key")
for p in problems:
    print("FAIL: " + p)
print("ok: every workload flag and its YAML key take the same values" if not problems else "")
sys.exit(1 if problems else 0)
PY

# A bare explore exercises faults: explore's own crash budget, said in its header, finds the
# seed leak with no other flag.
check "a bare explore --policy on-success finds the seed leak" 1 \
  '^SUMMARY: violation join-hang/held-by-crashed' -- "$chaosq" explore --policy on-success
grep -q "^crash-budget=1 is explore's default (--crash-budget 0 for none)$" "$out" \
  || { echo "FAIL: explore's header does not say its default crash budget"; failures=$((failures + 1)); }
check "--crash-budget 0 draws no crash, and the header does not claim the default" 0 \
  '^SUMMARY: no violation' -- "$chaosq" explore --policy on-success --crash-budget 0 --schedules 2000
grep -q "explore's default" "$out" \
  && { echo "FAIL: the header claims the default crash budget when one was given"; failures=$((failures + 1)); }
check "a plain explore prints one blank line before its statistics" 0 '^statistics: ' -- \
  "$chaosq" explore --schedules 20
awk 'prev == "" && NR > 1 && $0 == "" { bad = 1 } { prev = $0 } END { exit bad }' "$out" \
  || { echo "FAIL: explore prints two blank lines in a row"; failures=$((failures + 1)); }

# Progress on stderr: never into a pipe by default; with --progress always, a line of schedules
# done, rate, verdicts and time left, erased at the end; stdout the same either way (apart from
# the wall-clock figures of the statistics line).
progress_run() {  # progress_run NAME ARGS...: stdout to $work/NAME.out, stderr to $work/NAME.err
  local name=$1
  shift
  "$chaosq" "$@" >"$work/$name.out" 2>"$work/$name.err"
  sed -i 's/ in [0-9.]* s on [0-9]* threads\{0,1\} ([0-9.e+]* schedules\/s)//' "$work/$name.out"
}
long_explore=(explore --items 5 --consumers 2 --schedules 3000 --keep-going)
progress_run piped "${long_explore[@]}"
progress_run always "${long_explore[@]}" --progress always
progress_run never "${long_explore[@]}" --progress never
if [ -s "$work/piped.err" ]; then
  echo "FAIL: explore in a pipe wrote to stderr:"; sed 's/^/    /' "$work/piped.err"; failures=$((failures + 1))
else
  echo "ok: explore in a pipe shows no progress"
fi
if grep -Eq $'^\rexplore: [0-9,]+ of 3,000 schedules, [0-9.e+]+/s, [0-9,]+ violations' "$work/always.err" &&
  [ "$(tail -c 4 "$work/always.err" | od -An -c | tr -d ' ')" = '\r033[K' ]; then
  echo "ok: --progress always draws the line on stderr and erases it"
else
  echo "FAIL: --progress always drew no progress line, or did not erase it:"
  od -c "$work/always.err" | head -n 5 | sed 's/^/    /'
  failures=$((failures + 1))
fi
cmp -s "$work/piped.out" "$work/always.out" && cmp -s "$work/piped.out" "$work/never.out" \
  && echo "ok: stdout is the same with and without progress" \
  || { echo "FAIL: progress changed stdout"; diff "$work/piped.out" "$work/always.out" | head; failures=$((failures + 1)); }
progress_run space explore --space --workloads 20 --schedules 50 --max-crash-budget 0 --max-cancel-budget 0 --progress always
grep -q $'\rexplore: [0-9,]* of 1,000 schedules' "$work/space.err" \
  || { echo "FAIL: explore --space --progress always drew no progress line"; failures=$((failures + 1)); }
progress_run run run "$bundled/seed-incident.yaml" "$bundled/seed-incident-fixed.yaml" --progress always
grep -q $'\rrun: 1 of 2 scenarios, [0-9.e+]*/s, 0 not passed' "$work/run.err" \
  || { echo "FAIL: run --progress always drew no progress line"; failures=$((failures + 1)); }
# On a terminal (a pty from script(1)), auto shows the line once a run takes over 2 s.
if command -v script >/dev/null; then
  env -u CI TERM=xterm script -qec \
    "timeout -s INT 4 '$chaosq' explore --items 5 --consumers 2 --schedules 1000000000" \
    /dev/null >"$work/tty.txt" 2>&1
  grep -Eq $'\rexplore: [0-9,]+ of 1,000,000,000 schedules, [0-9.e+]+/s, 0 violations, .* left' "$work/tty.txt" \
    && echo "ok: on a terminal, a long explore shows its progress" \
    || { echo "FAIL: on a terminal, a long explore showed no progress:"; head -c 600 "$work/tty.txt" | od -c | head; failures=$((failures + 1)); }
fi

# SIGINT or SIGTERM during a long explore: it stops, prints its statistics and a SUMMARY that
# says so, and exits 128 + the signal (1 if it had found a violation).
for sig in INT TERM; do
  "$chaosq" explore --items 5 --consumers 2 --schedules 1000000000 >"$out" 2>&1 &
  pid=$!
  sleep 2
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  if [ "$rc" -eq "$want" ] && grep -q "^statistics: " "$out" &&
    grep -q "^SUMMARY: interrupted by SIG$sig after [0-9]* schedules: no violation" "$out"; then
    echo "ok: SIG$sig stops explore with its statistics and SUMMARY, exit $want"
  else
    echo "FAIL: SIG$sig during explore (exit $rc, wanted $want)"
    sed 's/^/    /' "$out"
    failures=$((failures + 1))
  fi
done

# Code under test by name: the token names the queue that ran, so it replays without flags; a
# command that lacks the queue refuses it (exit 2) and says what it has.
check "explore --queue-impl runs a registered queue, judged against the reference" 1 \
  'SUMMARY: violation join-early' -- \
  "$chaosq" explore --queue-impl planted/get-counts-down --items 2 --consumers 1 --schedules 2000
planted=$(grep -o 'chaosq replay cq4-[A-Za-z0-9_-]*' "$out" | head -n 1 | cut -d' ' -f3)
[ -n "$planted" ] || { echo "FAIL: no cq4 token for a named queue"; failures=$((failures + 1)); }
check "the token of a named queue replays with no flag" 1 'SUMMARY: violation join-early' -- \
  "$chaosq" replay "$planted"
check "--queue-bug is --queue-impl planted/NAME, and its token names the queue" 1 \
  'chaosq replay cq4-' -- \
  "$chaosq" explore --queue-bug get-counts-down --items 2 --consumers 1 --schedules 2000
check "an unknown queue is a usage error naming what the command has" 2 \
  "no queue 'planted/get-count-down' \(--queue-impl; it has planted/.*get-counts-down.*did you mean 'planted/get-counts-down'" -- \
  "$chaosq" explore --queue-impl planted/get-count-down
check "a malformed name is a usage error" 2 "a name is letters, digits and" -- \
  "$chaosq" explore --consumer "two words"
check "--help lists the registered queues and behaviours" 0 'get-with-timeout: wait_for' -- \
  "$chaosq" --help
check "run --schema lists the registered code" 0 'planted/late-count' -- "$chaosq" run --schema

check "a team's own command runs its own queue by name" 1 'SUMMARY: violation' -- \
  "$own" explore --queue-impl job-queue --items 2 --consumers 1 --schedules 2000
own_token=$(grep -o 'own-command-test replay cq4-[A-Za-z0-9_-]*' "$out" | head -n 1 | cut -d' ' -f3)
[ -n "$own_token" ] || { echo "FAIL: the own command prints no token replayed by itself"; failures=$((failures + 1)); }
check "its token replays in it" 1 'SUMMARY: violation' -- "$own" replay "$own_token"
check "the stock command refuses that token, naming the missing queue" 2 \
  "no queue 'job-queue' \(--queue-impl; it has planted/" -- "$chaosq" replay "$own_token"
check "the own command's selftest explores its own queue with every strategy" 0 \
  'queue:job-queue +dfs +yes .*own-command-test replay cq4-' -- \
  "$own" selftest --schedules 2000
check "the own command's --help lists its queue with its version" 0 'job-queue@1\.2: ' -- \
  "$own" --help
check "a version other than the registered one is refused" 2 \
  'the run used queue job-queue@1\.1, but this command has job-queue@1\.2' -- \
  "$own" explore --queue-impl job-queue@1.1
printf 'version: 1\nname: own\nqueue: {impl: job-queue}\nconsumers: {behaviour: ack-even-only}\nexplore: {schedules: 200}\nexpect: {verdict: join-early}\n' >"$work/own.yaml"
check "a scenario naming the team's queue and behaviour runs in its command" 0 'SUMMARY: 1 scenario\(s\): 1 passed' -- \
  "$own" run "$work/own.yaml"
check "and is invalid in the stock command, at the key's line and column" 2 \
  "own.yaml:3:15: error: queue.impl: this command has no queue 'job-queue'" -- \
  "$chaosq" run "$work/own.yaml"

# --jobs: the same report on any number of threads, apart from the statistics line's timing.
same_on_any_threads() {  # same_on_any_threads DESCRIPTION ARGS...
  local what=$1
  shift
  for jobs in 1 2 5; do
    "$chaosq" "$@" --jobs "$jobs" >"$work/jobs-$jobs.out" 2>&1
    echo "exit $?" >>"$work/jobs-$jobs.out"
    sed -i 's/ in [0-9.]* s on [0-9]* threads\{0,1\} ([0-9.e+]* schedules\/s)//' "$work/jobs-$jobs.out"
  done
  if cmp -s "$work/jobs-1.out" "$work/jobs-2.out" && cmp -s "$work/jobs-1.out" "$work/jobs-5.out"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"; diff "$work/jobs-1.out" "$work/jobs-5.out" | head; failures=$((failures + 1))
  fi
}
same_on_any_threads "explore finds the same first failure (schedule 569, in its third block) on 1, 2 and 5 threads" \
  explore --policy on-success --items 4 --consumers 3 --crash-budget 1 --fault-odds 20000 --schedules 5000
same_on_any_threads "explore --keep-going counts the same verdicts on 1, 2 and 5 threads" \
  explore --policy on-success --items 3 --consumers 2 --crash-budget 1 --schedules 3000 --keep-going \
  --strategy pct
same_on_any_threads "run reports every bundled scenario the same on 1, 2 and 5 threads" \
  run "$bundled/seed-incident.yaml" "$bundled/never-ack.yaml" "$bundled/supervisor-restarts.yaml"
check "--jobs says in the statistics how many threads ran" 0 'statistics: 200 schedules in [0-9.]+ s on 3 threads \(' -- \
  "$chaosq" explore --crash-budget 0 --schedules 200 --jobs 3
check "--jobs 0 is a usage error naming the range" 2 '--jobs.*1\.\.1024' -- "$chaosq" explore --jobs 0
check "explore --json says how many threads ran" 0 '"ran_on": "2 threads"' -- \
  "$chaosq" explore --crash-budget 0 --schedules 200 --jobs 2 --json

# --shard K/N and merge: the shards' --json outputs add up to what one machine prints.
no_timing() {  # the report without its timing: the statistics line's, and JSON's seconds and rate
  sed -e 's/ in [0-9.]* s on [0-9]* [a-z]* ([0-9.e+]* schedules\/s)//' \
    -e '/"seconds":\|"schedules_per_second":\|"ran_on":/d' "$1"
}
same_when_sharded() {  # same_when_sharded DESCRIPTION N ARGS...
  local what=$1 n=$2
  shift 2
  "$chaosq" "$@" --json >"$work/whole.json" 2>/dev/null
  "$chaosq" "$@" >"$work/whole.txt" 2>/dev/null
  local want=$? parts=()
  for ((k = n; k >= 1; k--)); do
    "$chaosq" "$@" --shard "$k/$n" --json --jobs $((k % 2 + 1)) >"$work/part-$k.json" 2>/dev/null
    parts+=("$work/part-$k.json")
  done
  "$chaosq" merge "${parts[@]}" --json >"$work/merged.json" 2>/dev/null
  "$chaosq" merge "${parts[@]}" >"$work/merged.txt" 2>/dev/null
  local rc=$?
  if [ "$rc" -eq "$want" ] && cmp -s <(no_timing "$work/whole.json") <(no_timing "$work/merged.json") &&
    cmp -s <(no_timing "$work/whole.txt") <(no_timing "$work/merged.txt"); then
    echo "ok: $what"
  else
    echo "FAIL: $what (merge exit $rc, explore exit $want)"
    diff <(no_timing "$work/whole.txt") <(no_timing "$work/merged.txt") | head
    failures=$((failures + 1))
  fi
}
rare_leak=(explore --policy on-success --items 4 --consumers 3 --crash-budget 1 --fault-odds 100000)
same_when_sharded "3 shards merged find the failure one machine finds at schedule 8579, and its statistics" \
  3 "${rare_leak[@]}" --schedules 20000
grep -q '"schedule": 8579' "$work/merged.json" \
  || { echo "FAIL: the merged failure is not schedule 8579"; failures=$((failures + 1)); }
same_when_sharded "2 shards of a pct --keep-going exploration count every verdict one machine counts" \
  2 explore --policy on-success --items 2 --consumers 2 --crash-budget 1 --strategy pct \
  --schedules 9000 --keep-going
same_when_sharded "4 shards of a passing exploration merge to its pass" \
  4 explore --crash-budget 0 --schedules 13000
check "merge names a missing shard" 2 'shard 2 of 4 is missing' -- \
  "$chaosq" merge "$work/part-1.json" "$work/part-3.json" "$work/part-4.json"
check "merge refuses a shard given twice" 2 'are both shard 1 of 4' -- \
  "$chaosq" merge "$work/part-1.json" "$work/part-1.json" "$work/part-3.json" "$work/part-4.json"
"$chaosq" explore --crash-budget 0 --schedules 13000 --seed 2 --shard 2/4 --json >"$work/other.json" 2>/dev/null
check "merge refuses shards of different explorations, naming the key" 2 \
  'other.json: seed is 2 where .*part-1.json has 1: shards of different explorations' -- \
  "$chaosq" merge "$work/part-1.json" "$work/other.json" "$work/part-3.json" "$work/part-4.json"
printf '{"command": "explore",\n  "shard": {"index": 1,\n' >"$work/cut.json"
check "merge says where a truncated file ends" 2 'cut.json: not JSON: .*line 3, column 1' -- \
  "$chaosq" merge "$work/cut.json"
check "merge refuses a report without --shard" 2 'whole.json: not what `explore --shard K/N --json` prints' -- \
  "$chaosq" merge "$work/whole.json"
check "--shard needs K/N with 1 <= K <= N" 2 "--shard.*expected K/N, shard K of N with 1 <= K <= N <= 100,000, got '4/3'" -- \
  "$chaosq" explore --shard 4/3
check "--shard 0/3 is refused too" 2 "got '0/3'" -- "$chaosq" explore --shard 0/3
check "dfs cannot be split, and says which strategies can" 2 'strategy dfs cannot be split .*random and pct can' -- \
  "$chaosq" explore --strategy dfs --shard 1/2
check "--shard does not split --space" 2 'split the space by --seed instead' -- \
  "$chaosq" explore --space --shard 1/2
check "a shard says which it is" 0 'up to 13000 schedules, shard 2 of 4' -- \
  "$chaosq" explore --crash-budget 0 --schedules 13000 --shard 2/4

[ "$failures" -eq 0 ] && echo "all CLI checks passed" || echo "$failures CLI check(s) failed"
exit $((failures > 0))
