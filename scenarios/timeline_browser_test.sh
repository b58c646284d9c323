#!/usr/bin/env bash
# Opens chaosq's HTML timelines in headless Chromium at a 1400×900 window and checks what the
# browser laid out, not just the markup:
#  - every task's lane, every step (one mark per task and step of the trace), the marks that
#    matter for the verdict and the path of each item taken and never acknowledged have a
#    non-empty box inside the drawing, with every step shown and with unmarked steps hidden;
#  - the chart spans the page's width, every visible text is at least 12 px with a WCAG AA
#    contrast (4.5:1) against what is behind it, the leaked item's path is the widest stroke
#    drawn, in a colour nothing else in the chart uses, and the <h1> names the verdict;
#  - scripts/timeline-screenshot gives a 1400×900 PNG in which the leaked path's colour covers
#    a stretch of pixels where the browser laid the path out.
# Pages come from `chaosq replay TOKEN --html FILE` and `chaosq run SCENARIO --html DIR`.
# Chromium is Debian's `chromium` package (scripts/setup).
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

# The browser's own measurements, as JSON in a <pre id="probe"> appended to the page: the
# default view (`shown`), then with each section's "only the steps that matter" box toggled
# (`toggled`), and the page's legibility in the default view.
probe='<script>
addEventListener("load", () => {
  const charts = () => [...document.querySelectorAll("svg.timeline")]
      .filter((s) => s.getBoundingClientRect().width > 0);
  const inside = (el) => {
    const b = el.getBoundingClientRect();
    const s = el.ownerSVGElement.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= s.left - 0.5 && b.right <= s.right + 0.5 &&
           b.top >= s.top - 0.5 && b.bottom <= s.bottom + 0.5;
  };
  const tally = (selector) => {
    const all = charts().flatMap((c) => [...c.querySelectorAll(selector)]);
    return all.filter(inside).length + "/" + all.length;
  };
  const view = () => ({
    collapsed: charts().filter((c) => c.classList.contains("collapsed")).length,
    lanes: tally("text.lane"), marks: tally("g.step rect"), marked: tally("g.step.marked rect"),
    paths: tally("polyline.item-path"), gaps: tally("g.gap rect"),
  });
  const scale = (svg) => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const opaque = (c) => c.length === 3 || (c.length === 4 && c[3] > 0);
  const lum = (c) => {
    const f = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const contrast = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const page_background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (opaque(c)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  // Text in a chart stands on the rect drawn just before it, or else on the page.
  const background = (el) => {
    if (el instanceof SVGElement) {
      const under = el.previousElementSibling;
      if (under && under.tagName === "rect") return rgb(getComputedStyle(under).fill);
      return page_background(el.ownerSVGElement);
    }
    return page_background(el);
  };
  const texts = [...document.body.querySelectorAll("*")].filter((el) =>
      !["title", "style", "script"].includes(el.tagName.toLowerCase()) &&
      [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) &&
      el.getClientRects().length > 0 && el.getBoundingClientRect().width > 0);
  let font = Infinity, font_text = "", worst = Infinity, worst_text = "";
  for (const el of texts) {
    const style = getComputedStyle(el);
    const svg = el instanceof SVGElement ? el.ownerSVGElement : null;
    const px = parseFloat(style.fontSize) * (svg ? scale(svg) : 1);
    if (px < font) { font = px; font_text = el.textContent.trim().slice(0, 60); }
    const ratio = contrast(rgb(svg ? style.fill : style.color), background(el));
    if (ratio < worst) { worst = ratio; worst_text = el.textContent.trim().slice(0, 60); }
  }
  // Strokes as drawn, in CSS pixels: the leaked path against every other mark of the charts.
  let path = 0, others = 0, path_colour = "", shared = 0;
  const boxes = [];
  for (const svg of charts()) {
    for (const el of svg.querySelectorAll("line, polyline, path, rect, circle")) {
      const style = getComputedStyle(el);
      const width = style.stroke === "none" ? 0 : parseFloat(style.strokeWidth) * scale(svg);
      if (el.matches("polyline.item-path")) {
        path = Math.max(path, width);
        path_colour = style.stroke;
        const b = el.closest("g.leak").getBoundingClientRect();
        boxes.push([b.left, b.top, b.right, b.bottom].map(Math.round));
      } else if (!el.closest("g.leak")) {
        others = Math.max(others, width);
      }
    }
  }
  for (const svg of charts())
    for (const el of svg.querySelectorAll("*"))
      if (!el.closest("g.leak") && path_colour &&
          [getComputedStyle(el).stroke, getComputedStyle(el).fill].includes(path_colour)) ++shared;
  const result = {
    shown: view(),
    chart_share: Math.min(...charts().map((c) => c.getBoundingClientRect().width)) /
        document.documentElement.clientWidth,
    viewport: [innerWidth, innerHeight], font, font_text, contrast: worst, contrast_text: worst_text,
    path, others, path_colour, shared, boxes,
    h1: document.querySelector("h1").textContent,
  };
  document.querySelectorAll("input.collapse").forEach((box) => box.click());
  result.toggled = view();
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(result);
  document.body.append(out);
});
</script>'

chromium() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$scratch/profile" --window-size=1400,900 --hide-scrollbars "$@" \
    2>>"$scratch/browser.log"
}

# measure PAGE OUT.json: what Chromium laid out, as the probe measured it.
measure() {
  local page=$1 probed="$scratch/probed-$(basename "$1")"
  python3 - "$page" "$probed" "$probe" <<'EOF'
import sys
page, probed, probe = sys.argv[1:]
html = open(page, encoding="utf-8").read()
assert "</body>" in html, "no </body> in " + page
open(probed, "w", encoding="utf-8").write(html.replace("</body>", probe + "\n</body>"))
EOF
  chromium --virtual-time-budget=5000 --dump-dom "file://$(realpath "$probed")" |
    python3 -c '
import html, json, re, sys
found = re.search(r"<pre id=\"probe\">(.*?)</pre>", sys.stdin.read(), re.S)
print(json.dumps(json.loads(html.unescape(found.group(1)))) if found else "{}")' >"$2"
}

# judge LABEL OUT.json SIGNATURE LANES MARKS MARKED PATHS: every count "rendered/total" with
# all rendered, totals as expected ("some": at least one), and the page legible. Prints what
# failed, one line each.
judge() {
  python3 - "$@" <<'EOF'
import json, sys
label, path, signature, lanes, marks, marked, paths = sys.argv[1:]
m = json.load(open(path))
if not m:
    print(f"{label}: the probe reported nothing (see the browser's log)"); sys.exit()
def counts(view, key, want):
    rendered, total = map(int, m[view][key].split("/"))
    if rendered != total:
        print(f"{label}: {view}: only {rendered} of {total} {key} laid out inside the chart")
    if want == "some" and total < 1 or want not in ("some", "any") and total != int(want):
        print(f"{label}: {view}: {total} {key}, expected {want}")
    return total
expanded, collapsed = ("shown", "toggled") if m["shown"]["collapsed"] == 0 else ("toggled", "shown")
counts(expanded, "lanes", lanes)
every = counts(expanded, "marks", marks)
counts(expanded, "marked", marked)
counts(expanded, "paths", paths)
if counts(expanded, "gaps", "any") != 0:
    print(f"{label}: the full chart hides steps")
if m[collapsed]["collapsed"] < 1:
    print(f"{label}: toggling shows no chart of only the steps that matter")
else:
    counts(collapsed, "lanes", lanes)
    counts(collapsed, "marked", marked)
    counts(collapsed, "paths", paths)
    counts(collapsed, "gaps", "some")
    if counts(collapsed, "marks", "some") >= every:
        print(f"{label}: hiding unmarked steps hid no step")
# --dump-dom's viewport is the window less some browser chrome in height; the width is the
# window's, and the width is what the layout depends on.
if m["viewport"][0] != 1400:
    print(f"{label}: the viewport is {m['viewport'][0]} px wide, not 1400")
if m["chart_share"] < 0.9:
    print(f"{label}: the chart spans {m['chart_share']:.0%} of the page's width, under 90%")
if m["font"] < 12:
    print(f"{label}: text at {m['font']:.1f} px, under 12: {m['font_text']!r}")
if m["contrast"] < 4.5:
    print(f"{label}: contrast {m['contrast']:.2f}:1, under 4.5:1: {m['contrast_text']!r}")
if m["path"] < 5 or m["path"] <= m["others"]:
    print(f"{label}: the leaked path is {m['path']:.1f} px wide, another mark {m['others']:.1f}")
if m["shared"]:
    print(f"{label}: {m['shared']} other marks share the leaked path's colour {m['path_colour']}")
if signature not in m["h1"]:
    print(f"{label}: the <h1> does not name {signature}: {m['h1']!r}")
EOF
}

# leak_pixels PNG COLOUR BOX...: the PNG's size, then how many of its pixels inside the boxes
# ("left top right bottom", CSS px at a device scale of 1) are the colour, within 8 per channel.
# Decoded with the standard library: zlib, then each row's filter undone.
leak_pixels() {
  python3 - "$@" <<'EOF'
import re, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
colour = [int(v) for v in re.findall(r"\d+", sys.argv[2])][:3]
boxes = [[int(v) for v in box.split()] for box in sys.argv[3:]]
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
at, idat, header = 8, b"", None
while at < len(data):
    length, kind = struct.unpack(">I4s", data[at:at + 8])
    body = data[at + 8:at + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    at += 12 + length
width, height, depth, colour_type, _, _, interlace = header
assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
channels = 3 if colour_type == 2 else 4
stride = width * channels
raw = zlib.decompress(idat)
rows, previous = [], bytearray(stride)
for y in range(height):
    kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - channels] if x >= channels else 0
        b = previous[x]
        c = previous[x - channels] if x >= channels else 0
        if kind == 1: line[x] = (line[x] + a) & 255
        elif kind == 2: line[x] = (line[x] + b) & 255
        elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    previous = line
hits = set()
for left, top, right, bottom in boxes:
    for y in range(max(top, 0), min(bottom, height)):
        for x in range(max(left, 0), min(right, width)):
            px = rows[y][x * channels:x * channels + 3]
            if all(abs(px[i] - colour[i]) <= 8 for i in range(3)):
                hits.add((x, y))
print(width, height, len(hits))
EOF
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
  measure "$scratch/replay.html" "$scratch/replay-measured.json"
  echo "replay --html: trace has $lanes tasks, $cells cells, $marked marked, $leaked leaked;" \
       "Chromium measured $(cat "$scratch/replay-measured.json")"
  while read -r problem; do fail "$problem"; done < <(judge "replay --html" \
    "$scratch/replay-measured.json" join-hang/held-by-crashed "$lanes" "$cells" "$marked" "$leaked")
  [ "$leaked" -ge 1 ] || fail "replay --html: the token's run leaked no item"

  # The screenshot docs/timeline.md shows, made as it was made: 1400×900, the leaked path's
  # colour on the pixels where the browser laid the path out.
  if bash "$scenario_dir/../scripts/timeline-screenshot" "$chaosq" "$scratch/seed.png" \
       >/dev/null 2>>"$scratch/browser.log"; then
    mapfile -t boxes < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(m.get("path_colour", ""))
for box in m.get("boxes", []): print(*box)' "$scratch/replay-measured.json")
    read -r width height hits < <(leak_pixels "$scratch/seed.png" "${boxes[@]}")
    echo "screenshot: ${width}×${height}, $hits pixels of the leaked path's colour"
    [ "$width" = 1400 ] && [ "$height" = 900 ] ||
      fail "screenshot: ${width}×${height}, expected 1400×900"
    [ "${hits:-0}" -ge 400 ] || fail "screenshot: only ${hits:-0} pixels of the leaked path"
  else
    fail "scripts/timeline-screenshot failed"
  fi
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
  measure "$page" "$scratch/run-measured.json"
  echo "run --html: Chromium measured $(cat "$scratch/run-measured.json")"
  while read -r problem; do fail "$problem"; done < <(judge "run --html" \
    "$scratch/run-measured.json" join-hang/held-by-crashed some some some 1)
  grep -q '<h1><span class="subject">FAIL seed-incident</span>' "$page" ||
    fail "run --html: the <h1> does not name the scenario"
fi
"$chaosq" run "$scenario_dir/seed-incident-fixed.yaml" --html "$scratch/html-pass" >/dev/null
[ -z "$(ls -A "$scratch/html-pass" 2>/dev/null)" ] ||
  fail "run --html wrote a page for a passing scenario"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed; Chromium's log: $scratch/browser.log"
  exit 1
fi
echo "all timeline checks passed in $browser"
