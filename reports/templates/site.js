// evalctl leaderboard: sorting and filtering, no libraries, works from file://.
(function () {
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v === null) return td.textContent.trim().toLowerCase();
    if (v === "") return null;
    return parseFloat(v);
  }
  function sortTable(table, col, dir) {
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
      if (x === null && y === null) return 0;
      if (x === null) return 1; // missing values always last
      if (y === null) return -1;
      if (x < y) return -dir;
      if (x > y) return dir;
      return 0;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    var ths = table.tHead.rows[table.tHead.rows.length - 1].cells;
    for (var i = 0; i < ths.length; i++) ths[i].removeAttribute("aria-sort");
    ths[col].setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
  }
  window.evalctlSort = sortTable;
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var ths = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.classList.add("sortable");
      th.addEventListener("click", function () {
        // First click sorts best first: descending unless the column is lower-is-better.
        var best = th.getAttribute("data-lower") === "1" ? 1 : -1;
        var cur = th.getAttribute("aria-sort");
        var dir = cur === null ? best : (cur === "ascending" ? -1 : 1);
        if (th.getAttribute("data-text") === "1" && cur === null) dir = 1;
        sortTable(table, col, dir);
      });
    });
  });
  document.querySelectorAll("input.filter").forEach(function (inp) {
    var table = document.getElementById(inp.getAttribute("data-table"));
    inp.addEventListener("input", function () {
      var q = inp.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.style.display = r.cells[0].textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
      });
    });
  });
})();

// Per-example pages: each page of predictions is a script file that calls
// evalctlPage(n, rows); fetch() of JSON is blocked from file:// in Chromium,
// script tags are not.
var evalctlPages = {};
function evalctlPage(n, rows) { evalctlPages[n] = rows; if (window.evalctlOnPage) window.evalctlOnPage(n); }
function evalctlLoadPage(base, n) {
  if (evalctlPages[n]) { window.evalctlOnPage(n); return; }
  var s = document.createElement("script");
  s.src = base + "/page-" + n + ".js";
  document.head.appendChild(s);
}
