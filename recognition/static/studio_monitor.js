// The fieldwork monitor's updates: while the page is open, fetch the wave's fresh figures every few seconds
// and put them in place, with the controls the wave has as it stands. Without this script the page shows the figures of its loading.
(function () {
  "use strict";
  var status = document.getElementById("live-status");
  var figures = document.getElementById("figures");
  var actions = document.getElementById("actions");
  if (!status || !figures) return;
  var url = status.getAttribute("data-live");
  var seconds = Number(status.getAttribute("data-refresh")) || 5;
  var timer = null;

  function stamp(text) {
    status.textContent = text;
  }

  function update() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
          throw new Error("status " + r.status);
        }
        return r.json();
      })
      .then(function (data) {
        figures.innerHTML = data.html;
        figures.setAttribute("data-state", data.state);
        if (actions && data.actions_html) actions.innerHTML = data.actions_html;
        stamp("Updated at " + new Date().toLocaleTimeString() + "; updates every " + seconds + " seconds.");
        if (["published", "failed", "cancelled"].indexOf(data.state) >= 0) {
          stamp("The wave is " + data.state + ": figures are final.");
          return;
        }
        timer = setTimeout(update, seconds * 1000);
      })
      .catch(function () {
        stamp("Could not update (signed out, or the service cannot be reached); reload the page to try again.");
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
    } else {
      clearTimeout(timer);
      update();
    }
  });
  timer = setTimeout(update, seconds * 1000);
})();
