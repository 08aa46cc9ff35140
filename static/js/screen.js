/* cdess — keeps the room's screen current. Written for cdess.
   Every two seconds it asks for the screen's panel; the server answers 304 when nothing
   changed (the browser revalidates with the ETag it holds). A new panel replaces the old one,
   and its one-line summary goes to a polite status region when it differs, so that screen
   readers hear a vote opening or closing, not every ballot. Without JavaScript, the page
   reloads itself every ten seconds (a meta refresh). */
(function () {
  "use strict";
  var panel = document.querySelector("[data-screen-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-screen-url");
  var shown = panel.getAttribute("data-screen-version");
  var status = document.getElementById("ecran-annonce");
  var pending = false;

  function summary() {
    var node = panel.querySelector("[data-screen-summary]");
    return node ? node.getAttribute("data-screen-summary").replace(/\s+/g, " ") : "";
  }

  function version(response) {
    return (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
  }

  function refresh() {
    if (pending || document.hidden) { return; }
    pending = true;
    fetch(url, { cache: "no-cache", credentials: "same-origin" })
      .then(function (response) {
        var seen = version(response);
        if (!response.ok || (seen && seen === shown)) { return null; }
        return response.text().then(function (html) {
          var before = summary();
          panel.innerHTML = html;
          shown = seen;
          if (status && summary() !== before) { status.textContent = summary(); }
        });
      })
      .catch(function () { /* the network hiccups: try again at the next tick */ })
      .then(function () { pending = false; });
  }
  window.setInterval(refresh, Number(document.body.getAttribute("data-poll")) || 2000);
}());
