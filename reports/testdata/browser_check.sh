#!/usr/bin/env bash
# browser_check.sh renders the fixture HTML report and leaderboard and checks
# them in headless Chromium (Debian package "chromium"):
#   1. screenshots report.png, index.png, preds.png into $OUT (look at them);
#   2. --dump-dom: the report's sections and the leaderboard table exist;
#   3. a check script injected into copies of index.html and a scenario page
#      clicks column headers (sorting) and types into the filter box, then
#      writes what it saw into the DOM, which --dump-dom returns;
#   4. the per-example page loads its first data page from a <script> file
#      (works from file://, where fetch() is blocked) and fills its table;
#   5. the reports of three bundled suites' real results (quickstart: six
#      models, probes with 0 trainable parameters, three robustness charts of
#      one task; spam-shift: counterfactual and distribution-shift sections;
#      credit-fairness: group bars with long labels such as
#      "foreign_worker=yes (n=963)")
#      at 1400 px and 420 px wide: screenshots, and layout_check.js (no page
#      overflow, no clipped chart text, no overlapping Pareto labels, one y
#      axis per task's robustness charts);
#   6. the leaderboard of those real results (index and the credit scenario
#      page, whose fairness criteria make it the widest) at both widths:
#      tables scroll, header spans cover the columns, families are ranked;
#   7. no JavaScript console errors (--enable-logging=stderr).
# Usage: reports/testdata/browser_check.sh [OUTDIR]   (run from the repo root)
set -euo pipefail
OUT=${1:-$(mktemp -d)}
CHROME=${CHROME:-chromium}
command -v "$CHROME" >/dev/null || { echo "browser_check: $CHROME not found" >&2; exit 1; }
go run ./reports/testdata/render "$OUT" reports/testdata/fixture.result.json reports/testdata/fixture2.result.json
C=("$CHROME" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0)
fail=0
check() { if grep -q -- "$2" "$3"; then echo "ok   $1"; else echo "FAIL $1: no $2 in $3"; fail=1; fi; }

"${C[@]}" --window-size=1280,2400 --screenshot="$OUT/report.png" "file://$OUT/report.html" 2>"$OUT/report.log" >/dev/null
"${C[@]}" --window-size=1280,900 --screenshot="$OUT/index.png" "file://$OUT/site/index.html" 2>"$OUT/index.log" >/dev/null
"${C[@]}" --dump-dom "file://$OUT/report.html" >"$OUT/report.dom" 2>>"$OUT/report.log"
for id in summary-table calibration fairness robustness adaptation efficiency-table provenance-table; do
  check "report has #$id" "id=\"$id\"" "$OUT/report.dom"
done
check "report has reliability bars" 'class="bin"' "$OUT/report.dom"
check "report has Pareto frontier" 'class="frontier"' "$OUT/report.dom"

# Sorting and filtering by simulated clicks and typing: the index sorts by
# mean win rate, the fmnist scenario page by nll (lower is better).
cat >"$OUT/site/check.js" <<'JS'
(function () {
  var t = document.querySelector("table.sortable"), out = [];
  var ths = t.tHead.rows[t.tHead.rows.length - 1].cells, col = -1;
  for (var i = 0; i < ths.length; i++) if (ths[i].textContent.indexOf(window.CHECK_COL) === 0) col = i;
  var first = function () { return t.tBodies[0].rows[0].cells[0].textContent.trim(); };
  if (col < 0) out.push("no-column=" + window.CHECK_COL);
  else {
    ths[col].click(); // best first: descending unless lower is better
    out.push("best-first=" + first());
    ths[col].click(); // reversed
    out.push("rev-first=" + first());
  }
  ths[0].click(); // model name A→Z
  out.push("name-first=" + first());
  var f = document.querySelector("input.filter");
  if (f) {
    f.value = "ti";
    f.dispatchEvent(new Event("input"));
    var vis = 0; Array.prototype.forEach.call(t.tBodies[0].rows, function (r) { if (r.style.display !== "none") vis++; });
    out.push("visible-after-filter=" + vis);
  }
  var pre = document.createElement("pre"); pre.id = "check"; pre.textContent = out.join(" "); document.body.appendChild(pre);
})();
JS
inject() { sed "s#</body>#<script>var CHECK_COL = \"$2\";</script><script src=\"$3\"></script></body>#" "$1"; }
inject "$OUT/site/index.html" "Mean win rate" check.js >"$OUT/site/index-check.html"
"${C[@]}" --dump-dom "file://$OUT/site/index-check.html" >"$OUT/index.dom" 2>>"$OUT/index.log"
check "index sorts by mean win rate, best first" "best-first=large" "$OUT/index.dom"
check "second click reverses" "rev-first=tiny" "$OUT/index.dom"
check "text column sorts A-Z" "name-first=large" "$OUT/index.dom"
check "filter hides rows" "visible-after-filter=1" "$OUT/index.dom"
check "index groups win rates by metric family" "Mean win rate by family" "$OUT/index.dom"
FM=$(ls "$OUT"/site/tasks/fmnist-*.html)
inject "$FM" "nll" ../check.js >"$OUT/site/tasks/fmnist-check.html"
"${C[@]}" --dump-dom "file://$OUT/site/tasks/fmnist-check.html" >"$OUT/scenario.dom" 2>>"$OUT/index.log"
check "scenario page sorts a lower-is-better column best first" "best-first=large" "$OUT/scenario.dom"
check "scenario page reverses" "rev-first=tiny" "$OUT/scenario.dom"
check "scenario page groups columns by family" '<th colspan="2">calibration</th>' "$OUT/scenario.dom"

P=$(ls "$OUT"/site/predictions/1_small_fmnist_clean-*.html)
"${C[@]}" --window-size=1280,900 --screenshot="$OUT/preds.png" "file://$P" 2>"$OUT/preds.log" >/dev/null
"${C[@]}" --virtual-time-budget=2000 --dump-dom "file://$P" >"$OUT/preds.dom" 2>>"$OUT/preds.log"
check "per-example page loaded page 1 from a script file" "<td>199</td>" "$OUT/preds.dom"
check "per-example page shows class names" "<td>Trouser (1)</td>" "$OUT/preds.dom"

# Real results at a desktop and a phone width.
go run ./reports/testdata/render -reports "$OUT/real" reports/testdata/quickstart.result.json reports/testdata/spam-shift.result.json reports/testdata/credit-fairness.result.json
cp reports/testdata/layout_check.js "$OUT/real/"
for f in quickstart spam-shift credit-fairness; do
  sed 's#</body>#<script src="layout_check.js"></script></body>#' "$OUT/real/$f.html" >"$OUT/real/$f-check.html"
  for w in 1400 420; do
    "${C[@]}" --hide-scrollbars --window-size=$w,6000 --screenshot="$OUT/$f-$w.png" "file://$OUT/real/$f.html" 2>>"$OUT/real.log" >/dev/null
    "${C[@]}" --window-size=$w,3000 --dump-dom "file://$OUT/real/$f-check.html" >"$OUT/real/$f-$w.dom" 2>>"$OUT/real.log"
    check "$f report lays out at $w px" "layout-ok" "$OUT/real/$f-$w.dom"
    if ! grep -q "layout-ok" "$OUT/real/$f-$w.dom"; then sed -n '/<pre id="layout">/,/<\/pre>/p' "$OUT/real/$f-$w.dom"; fi
  done
done
cp reports/testdata/layout_check.js "$OUT/site/"
sed 's#</body>#<script src="layout_check.js"></script></body>#' "$OUT/site/index.html" >"$OUT/site/index-layout.html"
for w in 1400 420; do
  "${C[@]}" --hide-scrollbars --window-size=$w,1600 --screenshot="$OUT/index-$w.png" "file://$OUT/site/index.html" 2>>"$OUT/index.log" >/dev/null
  "${C[@]}" --window-size=$w,1600 --dump-dom "file://$OUT/site/index-layout.html" >"$OUT/site/index-$w.dom" 2>>"$OUT/index.log"
  check "leaderboard lays out at $w px" "layout-ok" "$OUT/site/index-$w.dom"
done
# The leaderboard of the same real results: the index and the widest
# scenario page (credit: fairness criteria per attribute) at both widths.
go run ./reports/testdata/render "$OUT/realsite" reports/testdata/quickstart.result.json reports/testdata/spam-shift.result.json reports/testdata/credit-fairness.result.json
RS="$OUT/realsite/site"
cp reports/testdata/layout_check.js "$RS/"
sed 's#</body>#<script src="layout_check.js"></script></body>#' "$RS/index.html" >"$RS/index-layout.html"
CR=$(ls "$RS"/tasks/credit-*.html)
sed 's#</body>#<script src="../layout_check.js"></script></body>#' "$CR" >"$RS/tasks/credit-layout.html"
for w in 1400 420; do
  "${C[@]}" --hide-scrollbars --window-size=$w,1600 --screenshot="$OUT/real-index-$w.png" "file://$RS/index.html" 2>>"$OUT/index.log" >/dev/null
  "${C[@]}" --hide-scrollbars --window-size=$w,1000 --screenshot="$OUT/real-credit-$w.png" "file://$CR" 2>>"$OUT/index.log" >/dev/null
  "${C[@]}" --window-size=$w,1600 --dump-dom "file://$RS/index-layout.html" >"$RS/index-$w.dom" 2>>"$OUT/index.log"
  "${C[@]}" --window-size=$w,1000 --dump-dom "file://$RS/tasks/credit-layout.html" >"$RS/credit-$w.dom" 2>>"$OUT/index.log"
  check "real leaderboard lays out at $w px" "layout-ok" "$RS/index-$w.dom"
  check "real credit scenario page lays out at $w px" "layout-ok" "$RS/credit-$w.dom"
  for d in "$RS/index-$w.dom" "$RS/credit-$w.dom"; do
    if ! grep -q "layout-ok" "$d"; then sed -n '/<pre id="layout">/,/<\/pre>/p' "$d"; fi
  done
done
check "real leaderboard ranks robustness" 'win rate on the robustness columns" class="sortable">robustness</th>' "$RS/index-1400.dom"
check "real leaderboard ranks fairness" 'win rate on the fairness columns" class="sortable">fairness</th>' "$RS/index-1400.dom"
check "credit page has the fairness family" '>fairness</th>' "$RS/credit-1400.dom"
check "quickstart report has its 0-parameter probe on the Pareto chart" "fmnist-encoder+knn: 0 params" "$OUT/real/quickstart-1400.dom"
for id in counterfactual shift; do
  check "spam-shift report has #$id" "id=\"$id\"" "$OUT/real/spam-shift-1400.dom"
done
check "credit-fairness report has group bars" "foreign_worker=yes" "$OUT/real/credit-fairness-1400.dom"

if grep -h -E "Uncaught|CONSOLE.*(Error|error)" "$OUT"/*.log; then echo "FAIL console errors above"; fail=1; else echo "ok   no console errors"; fi
echo "screenshots: $OUT/report.png $OUT/index.png $OUT/preds.png $OUT/quickstart-{1400,420}.png $OUT/spam-shift-{1400,420}.png $OUT/credit-fairness-{1400,420}.png $OUT/index-{1400,420}.png $OUT/real-index-{1400,420}.png $OUT/real-credit-{1400,420}.png"
exit $fail
