"""Shared bits of the self-contained HTML pages (report, EVA pages, orbit track)."""

RESIZE_JS = """
// Plotly sizes a chart when its script runs, before the grid has all its cards (a lone first card
// spans the whole row): re-fit every chart to its card once the page is laid out, and whenever a
// card changes size.
(function () {
  function fit(el) { if (window.Plotly && el.offsetParent !== null) Plotly.Plots.resize(el); }
  var plots = Array.prototype.slice.call(document.querySelectorAll('.js-plotly-plot'));
  plots.forEach(fit);
  window.addEventListener('load', function () { plots.forEach(fit); });
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(function (entries) {
      entries.forEach(function (e) { e.target.querySelectorAll('.js-plotly-plot').forEach(fit); });
    });
    plots.forEach(function (el) { ro.observe(el.parentElement); });
  }
})();
"""
