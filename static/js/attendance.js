/* cdess — the room's sheet of members (attendance, paper ballots). Written for cdess.
   Progressive enhancement: every button is a plain form that posts and comes back to the
   sheet. With JavaScript, the search box filters the rows as one types, and the forms marked
   data-room-fetch are sent with fetch (the form's own CSRF token, plus the X-CSRFToken
   header), asking for JSON: the row, the counts and the quorum are updated in place and the
   outcome is said in the status region — no reload, the focus stays on the button. */
(function () {
  "use strict";
  var status = document.getElementById("salle-annonce");

  function say(text, error) {
    if (!status) { return; }
    status.textContent = text || "";
    status.classList.toggle("room-status-error", !!error);
  }

  // --- the search box: filter rows by name, hide empty collèges --------------------------------
  var filter = document.querySelector("[data-room-filter]");
  var empty = document.querySelector("[data-room-empty]");
  function applyFilter() {
    var needle = (filter.value || "").trim().toLowerCase();
    var any = false;
    document.querySelectorAll("[data-room-group]").forEach(function (group) {
      var visible = 0;
      group.querySelectorAll(".member-row").forEach(function (row) {
        var match = !needle || (row.getAttribute("data-name") || "").indexOf(needle) !== -1;
        row.hidden = !match;
        if (match) { visible += 1; }
      });
      group.hidden = visible === 0;
      if (visible) { any = true; }
    });
    if (empty) { empty.hidden = any; }
  }
  if (filter) {
    filter.addEventListener("input", applyFilter);
  }

  // --- counts per collège ------------------------------------------------------------------------
  function recount(group) {
    var count = group.querySelector("[data-room-group-count]");
    if (!count) { return; }
    var rows = group.querySelectorAll(".member-row");
    var here = group.querySelectorAll('.member-row[data-present="1"]').length;
    count.textContent = count.getAttribute("data-template")
      .replace("{p}", here).replace("{n}", rows.length);
  }

  function setText(selector, text) {
    var node = document.querySelector(selector);
    if (node && typeof text === "string") { node.textContent = text; }
  }

  // --- forms sent without reloading --------------------------------------------------------------
  if (!window.fetch || !window.FormData) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-room-fetch")) { return; }
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") { return; }
    var data = new FormData(form);
    var chosen = event.submitter;
    if (event.submitter && event.submitter.name) {
      data.append(event.submitter.name, event.submitter.value);
    }
    var token = form.querySelector("input[name=csrf_token]");
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false }; });
      })
      .then(function (json) {
        if (!json.ok) {
          say(json.message || "Enregistrement impossible : rechargez la page.", true);
          return;
        }
        var row = form.closest(".member-row");
        var state = row && row.querySelector("[data-room-state]");
        if (form.hasAttribute("data-room-toggle")) {
          var here = !!json.present;
          row.setAttribute("data-present", here ? "1" : "0");
          if (state) { state.textContent = state.getAttribute(here ? "data-yes" : "data-no"); }
          form.querySelector("input[name=present]").value = here ? "0" : "1";
          var button = form.querySelector("button");
          button.querySelector("[data-room-label]").textContent =
            button.getAttribute(here ? "data-yes" : "data-no");
          button.classList.toggle("button-secondary", here);
          recount(row.closest("[data-room-group]"));
          setText("[data-room-count]", json.count);
          setText("[data-room-quorum]", json.quorum);
        } else {
          if (state && json.state) { state.textContent = json.state; }
          // The choice entered is pressed (as the page draws it when reloaded).
          Array.prototype.forEach.call(form.querySelectorAll("button[name=choice]"), function (b) {
            b.setAttribute("aria-pressed", b === chosen ? "true" : "false");
          });
          setText("[data-room-summary]", json.summary);
        }
        say(json.message, false);
      })
      .catch(function () { say("Le serveur ne répond pas : réessayez.", true); })
      .then(function () { form.removeAttribute("aria-busy"); });
  });
}());
