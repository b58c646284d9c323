#!/usr/bin/env bash
# Opens chaosq's HTML timelines in headless Chromium and checks what the browser laid out, not
# just the markup: every task's lane, every mark (one per task and step of the trace), the marks
# that matter for the verdict and the path of each item taken and never acknowledged must have
# a non-empty box inside the drawing. Pages come from `chaosq replay TOKEN --html FILE` and
# `chaosq run SCENARIO --html DIR`. Chromium is Debian's `chromium` package (scripts/setup).
#
#   timeline_browser_test.sh CHAOSQ SCENARIO_DIR SCRATCH_DIR
set -uo pipefail
chaosq=$1
scenario_dir=$2
scratch=$3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
  echo "FAIL: no Chromium on the PATH; bash scripts/setup installs Debian's chromium package"
  exit 1
fi
rm -rf "$scratch" && mkdir -p "$scratch"

# The browser's own measurements, written into the title: lanes, marks, marked marks and item
# paths with a non-empty box inside their SVG, and how many of each the page holds.
probe='<script>
addEventListener("load", () => {
  const inside = (el) => {
    const b = el.getBoundingClientRect();
    const s = el.ownerSVGElement.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= s.left && b.right <= s.right + 0.5 &&
           b.top >= s.top && b.bottom <= s.bottom + 0.5;
  };
  const tally = (selector) => {
    const all = [...document.querySelectorAll(selector)];
    return all.filter(inside).length + "/" + all.length;
  };
  document.title = "measured lanes=" + tally("svg.timeline text.lane") +
      " marks=" + tally("svg.timeline g.mark rect") +
      " marked=" + tally("svg.timeline g.mark.marked rect") +
      " paths=" + tally("svg.timeline polyline.item-path") + " end";
});
</script>'

# measure PAGE: prints "lanes=A/B marks=C/D marked=E/F paths=G/H" as Chromium laid the page out.
measure() {
  local page=$1 probed="$scratch/probed-$(basename "$1")"
  python3 - "$page" "$probed" "$probe" <<'EOF'
import sys
page, probed, probe = sys.argv[1:]
html = open(page, encoding="utf-8").read()
assert "</body>" in html, "no </body> in " + page
open(probed, "w", encoding="utf-8").write(html.replace("</body>", probe + "\n</body>"))
EOF
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$scratch/profile" --virtual-time-budget=5000 --dump-dom \
    "file://$(realpath "$probed")" 2>"$scratch/browser.log" |
    sed -n 's/.*<title>measured \(.*\) end<\/title>.*/\1/p'
}

# expect_all WHAT "A/B": every one of the B elements rendered, and B == WANT (or B >= 1 when
# WANT is "some").
check() {
  local label=$1 measured=$2 key=$3 want=$4
  local pair rendered total
  pair=$(sed -n "s/.*$key=\([0-9]*\/[0-9]*\).*/\1/p" <<<"$measured")
  rendered=${pair%/*}
  total=${pair#*/}
  if [ -z "$pair" ]; then fail "$label: the browser reported no $key (got '$measured')"; return; fi
  if [ "$rendered" != "$total" ]; then fail "$label: only $rendered of $total $key rendered"; fi
  if [ "$want" = some ]; then
    [ "$total" -ge 1 ] || fail "$label: no $key at all"
  elif [ "$total" != "$want" ]; then
    fail "$label: $total $key, expected $want"
  fi
}

# 1. replay --html: the seed incident's leak as a token (20 items, 4 consumers, one crash).
token=cq1-AAABFAAEAQEAAQABAAAIoI0GAAAXAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAc-c4984104
"$chaosq" replay "$token" --html "$scratch/replay.html" >"$scratch/replay.txt"
status=$?
[ "$status" -eq 1 ] || fail "replay --html: exit $status, expected 1 (a violation)"
"$chaosq" replay "$token" --json >"$scratch/replay.json" 2>/dev/null
# What the trace holds: tasks (lanes), distinct (task, step) cells (marks), marked cells, and
# items got and never acknowledged (paths).
read -r lanes cells marked leaked < <(python3 - "$scratch/replay.json" <<'EOF'
import json, sys
events = json.load(open(sys.argv[1]))["trace"]
tasks = {e["task"] for e in events}
cells = {(e["task"], e["step"]) for e in events}
marked = {(e["task"], e["step"]) for e in events if e.get("marked")}
got = {e["item"] for e in events if e["operation"] == "get" and e["outcome"] == "ok"}
acked = {e["item"] for e in events if e["operation"] == "ack"}
print(len(tasks), len(cells), len(marked), len(got - acked))
EOF
)
if [ -z "${leaked:-}" ]; then
  fail "replay --json did not give a trace to compare with"
else
  measured=$(measure "$scratch/replay.html")
  echo "replay --html: trace has $lanes tasks, $cells cells, $marked marked, $leaked leaked;" \
       "Chromium laid out $measured"
  check "replay --html" "$measured" lanes "$lanes"
  check "replay --html" "$measured" marks "$cells"
  check "replay --html" "$measured" marked "$marked"
  check "replay --html" "$measured" paths "$leaked"
  [ "$leaked" -ge 1 ] || fail "replay --html: the token's run leaked no item"
fi

# 2. run --html DIR: the seed incident with the expectation flipped fails, and gets a page.
sed 's/^  verdict: .*/  verdict: none/; /^  join:/d; /^  unacknowledged:/d' \
  "$scenario_dir/seed-incident.yaml" >"$scratch/seed-incident-flipped.yaml"
"$chaosq" run "$scratch/seed-incident-flipped.yaml" --html "$scratch/html" --shrink-time 5 \
  >"$scratch/run.txt"
status=$?
[ "$status" -eq 1 ] || fail "run --html: exit $status, expected 1 (the scenario fails)"
page="$scratch/html/seed-incident.html"
if [ ! -f "$page" ]; then
  fail "run --html wrote no $page"
else
  measured=$(measure "$page")
  echo "run --html: Chromium laid out $measured"
  check "run --html" "$measured" lanes some
  check "run --html" "$measured" marks some
  check "run --html" "$measured" marked some
  check "run --html" "$measured" paths 1
fi
"$chaosq" run "$scenario_dir/seed-incident-fixed.yaml" --html "$scratch/html-pass" >/dev/null
[ -z "$(ls -A "$scratch/html-pass" 2>/dev/null)" ] ||
  fail "run --html wrote a page for a passing scenario"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; Chromium's log: $scratch/browser.log"
  exit 1
fi
echo "all timeline checks passed in $browser"
