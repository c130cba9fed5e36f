/* recognition charts: a tooltip for every data mark (hover, focus or tap) and legends that hide or show a
   series. The charts are complete without this script; it only adds the exploring. */
(function () {
  "use strict";
  var tip = null;
  function show(mark, x, y) {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("role", "status");
      document.body.appendChild(tip);
    }
    var title = mark.querySelector("title");
    tip.textContent = title ? title.textContent : "";
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(Math.max(8, x - w / 2), document.documentElement.clientWidth - w - 8);
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (y + window.scrollY - h - 12) + "px";
  }
  function hide() { if (tip) { tip.hidden = true; } }
  function markOf(el) { return el && el.closest ? el.closest(".mark") : null; }
  document.addEventListener("pointerover", function (e) {
    var m = markOf(e.target);
    if (m) { show(m, e.clientX, e.clientY); }
  });
  document.addEventListener("pointerout", function (e) { if (markOf(e.target)) { hide(); } });
  document.addEventListener("click", function (e) {
    var m = markOf(e.target);
    if (m) { var r = m.getBoundingClientRect(); show(m, r.left + r.width / 2, r.top); return; }
    var item = e.target.closest ? e.target.closest(".legend-item") : null;
    if (item) { toggle(item); return; }
    hide();
  });
  document.addEventListener("keydown", function (e) {
    var item = e.target.closest ? e.target.closest(".legend-item") : null;
    if (item && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(item); }
    if (e.key === "Escape") { hide(); }
  });
  function toggle(item) {
    var figure = item.closest("figure") || document;
    var id = item.getAttribute("data-series");
    var on = item.getAttribute("aria-pressed") !== "false";
    figure.querySelectorAll('.series[data-series="' + id + '"]').forEach(function (g) {
      g.classList.toggle("off", on);
    });
    figure.querySelectorAll('.legend-item[data-series="' + id + '"]').forEach(function (l) {
      l.setAttribute("aria-pressed", on ? "false" : "true");
      l.classList.toggle("off", on);
    });
  }
})();
