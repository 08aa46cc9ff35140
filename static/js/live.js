/* cdess — keeps the live session panel current. Written for cdess.
   Every two seconds it asks for the panel; the server answers 304 when nothing changed
   (the browser then hands back its cached copy). The panel is replaced only when its version
   (the ETag) differs from the one shown — the page says which version it was served with, so
   a change made between the page and the first request is not missed — and its text changed
   too, and never while the focus is inside it, so keyboard users keep their place. Without
   JavaScript, reloading the page does the same. A short summary of the new panel goes to a
   status region, so that screen readers announce the change without reading the panel. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-live-url");
  var shown = panel.getAttribute("data-live-version");
  var last = null;
  var pending = false;
  var status = document.getElementById("direct-annonce");

  function summary() {
    var node = panel.querySelector("[data-live-summary]");
    return node ? node.getAttribute("data-live-summary").replace(/\s+/g, " ") : "";
  }

  function version(response) {
    return (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
  }

  function refresh() {
    if (pending || document.hidden) { return; }
    if (panel.contains(document.activeElement) && document.activeElement !== panel) { return; }
    pending = true;
    fetch(url, { cache: "no-cache", credentials: "same-origin" })
      .then(function (response) {
        var seen = version(response);
        if (!response.ok || (seen && seen === shown)) { return null; }
        return response.text().then(function (html) {
          if (html !== last) {
            var before = summary();
            panel.innerHTML = html;
            if (status && summary() !== before) { status.textContent = summary(); }
          }
          last = html;
          shown = seen;
        });
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { pending = false; });
  }
  refresh();
  window.setInterval(refresh, 2000);
}());
