// layout_check.js is injected into a copy of an HTML report by
// browser_check.sh and writes what it finds into <pre id="layout">:
// "layout-ok", or one line per problem. It checks that the page does not
// overflow the viewport, that every chart text lies inside its chart, that
// no two point labels of a Pareto chart overlap, that the robustness
// charts of one task share their y axis, and (leaderboard pages) that every
// table sits in a scrolling wrapper and its header spans cover its columns.
(function () {
  var bad = [], tol = 1;
  var doc = document.scrollingElement;
  if (doc.scrollWidth > window.innerWidth + tol) bad.push("page overflows: scrollWidth " + doc.scrollWidth + " > " + window.innerWidth);
  var svgs = document.querySelectorAll("svg.chart");
  Array.prototype.forEach.call(svgs, function (svg) {
    var title = svg.querySelector("title").textContent, s = svg.getBoundingClientRect();
    Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
      var b = t.getBoundingClientRect();
      if (b.width === 0) return;
      if (b.left < s.left - tol || b.right > s.right + tol || b.top < s.top - tol || b.bottom > s.bottom + tol)
        bad.push("clipped text '" + t.textContent + "' in chart '" + title + "'");
    });
    var labels = svg.querySelectorAll("text.ptlabel, text.ptnum, text.legend");
    for (var i = 0; i < labels.length; i++) for (var j = i + 1; j < labels.length; j++) {
      var a = labels[i].getBoundingClientRect(), c = labels[j].getBoundingClientRect();
      if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom)
        bad.push("labels overlap in '" + title + "': '" + labels[i].textContent + "' and '" + labels[j].textContent + "'");
    }
  });
  var byTask = {};
  Array.prototype.forEach.call(document.querySelectorAll("#robustness + .charts svg.chart"), function (svg) {
    var title = svg.querySelector("title").textContent; // "model / task: metric"
    var key = title.slice(title.indexOf(" / ") + 3);
    var ticks = Array.prototype.map.call(svg.querySelectorAll('text.tick[text-anchor="end"]'), function (t) { return t.textContent; }).join(",");
    if (key in byTask && byTask[key] !== ticks) bad.push("robustness charts of '" + key + "' have different y axes: " + byTask[key] + " vs " + ticks);
    byTask[key] = ticks;
  });
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (t) {
    if (!t.parentElement.classList.contains("scroll")) bad.push("table " + (t.id || "") + " is not in a .scroll wrapper");
    if (!t.tHead || t.tHead.rows.length < 2) return;
    var spans = 0, heads = t.tHead.rows[t.tHead.rows.length - 1].cells.length;
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (c) { spans += c.colSpan; });
    if (spans !== heads) bad.push("table " + t.id + ": header spans cover " + spans + " columns, not " + heads);
    Array.prototype.forEach.call(t.tBodies[0].rows, function (r, i) {
      if (r.cells.length !== heads) bad.push("table " + t.id + " row " + i + " has " + r.cells.length + " cells, not " + heads);
    });
  });
  var pre = document.createElement("pre");
  pre.id = "layout";
  pre.textContent = bad.length ? bad.join("\n") : "layout-ok charts=" + svgs.length + " robustness-tasks=" + Object.keys(byTask).length;
  document.body.appendChild(pre);
})();
