/* Follows a ledger verification run: polls its status and updates the progress bar, then reloads
   the page so the server renders the result.  Loaded as a file: the CSP forbids inline script. */
(function () {
  "use strict";
  var section = document.getElementById("verify-run");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("verify-progress");
  var count = document.getElementById("verify-count");
  var phase = document.getElementById("verify-phase");

  function show(state) {
    if (state.total !== null && state.total !== undefined) { bar.max = Math.max(state.total, 1); }
    bar.value = state.done || 0;
    count.textContent = (state.done || 0) + " of " + (state.total === null ? "?" : state.total) + " entries";
    phase.textContent = state.phase || "";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.state === "running") { window.setTimeout(poll, 700); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());
