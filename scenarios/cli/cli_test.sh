#!/usr/bin/env bash
# The chaosq CLI as a new user meets it: exit codes, SUMMARY lines, tokens that replay, errors
# that say what is wrong. Usage: cli_test.sh PATH/TO/chaosq
set -u
chaosq=$1
failures=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

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

check "ack in finally passes" 0 '^SUMMARY: no violation in 10000 schedules' -- \
  "$chaosq" explore --policy finally --items 3 --consumers 2 --crash-budget 1 --schedules 10000 --seed 1

check "a corrupted token is bad input, not a crash" 2 'SUMMARY: bad input: invalid token: checksum' -- \
  "$chaosq" replay "${token%?}$( [ "${token: -1}" = 0 ] && echo 1 || echo 0 )"
check "a truncated token is bad input" 2 'SUMMARY: bad input: invalid token' -- \
  "$chaosq" replay "${token:0:20}"
check "a misspelled policy suggests the right one" 2 "did you mean 'finally'" -- \
  "$chaosq" explore --policy finaly
check "an unknown flag is a usage error" 2 'SUMMARY: bad usage' -- "$chaosq" explore --frobnicate
check "no subcommand is a usage error" 2 'SUMMARY: bad usage' -- "$chaosq"
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

[ "$failures" -eq 0 ] && echo "all CLI checks passed" || echo "$failures CLI check(s) failed"
exit $((failures > 0))
