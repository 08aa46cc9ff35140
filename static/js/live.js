/* cdess — keeps the live session panel current, and sends a ballot without leaving the page.
   Written for cdess.
   Every two seconds it asks for the panel, naming the version it shows; the server answers
   304 when nothing this person sees changed. The panel is replaced only when
   its version (the ETag) differs from the one shown — the page says which version it was served
   with, so a change made between the page and the first request is not missed — and its text
   changed too; never while a field of the panel (a list, a box) is being used, and the button
   that had the focus gets it back in the new panel, so keyboard users keep their place. A
   ballot is sent by fetch: the answer is the member's panel, or the ballot's form alone when
   nothing else changed, swapped in place (the page does not jump back to its top); should that fail, the form is sent as without JavaScript, which
   comes back to the live page at the vote. A short summary of the new panel, or the ballot's
   confirmation, goes to a status region, so that screen readers announce the change without
   reading the panel. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-live-url");
  var shown = panel.getAttribute("data-live-version");
  var last = null;
  var pending = false;
  var ballots = 0;  // ballots sent: a refresh sent before one of them brings an older panel
  var status = document.getElementById("direct-annonce");

  function summary() {
    var node = panel.querySelector("[data-live-summary]");
    return node ? node.getAttribute("data-live-summary").replace(/\s+/g, " ") : "";
  }

  function version(response) {
    return (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
  }

  /* Where the focus is, as something to find again in a new panel: a button by its form and
     value, anything else by its id. */
  function focusKey() {
    var node = document.activeElement;
    if (!node || node === panel || !panel.contains(node)) { return null; }
    var form = node.form ? node.form.getAttribute("action") : "";
    var member = node.form && node.form.elements.member_id ? node.form.elements.member_id.value : "";
    return { id: node.id, form: form, member: member, name: node.name, value: node.value };
  }

  function refocus(key) {
    if (!key) { return; }
    var found = null;
    if (key.id) {
      found = document.getElementById(key.id);
    } else {
      Array.prototype.forEach.call(panel.querySelectorAll("button"), function (button) {
        var form = button.form;
        if (!form || form.getAttribute("action") !== key.form) { return; }
        var member = form.elements.member_id ? form.elements.member_id.value : "";
        if (member === key.member && button.name === key.name && button.value === key.value) {
          found = button;
        }
      });
    }
    if (!found || !panel.contains(found)) {  // gone (the vote closed): the panel holds it
      panel.setAttribute("tabindex", "-1");
      found = panel;
    }
    found.focus({ preventScroll: true });
  }

  function show(html, seen, announce) {
    var key = focusKey();
    var before = summary();
    panel.innerHTML = html;
    last = html;
    if (seen) { shown = seen; }
    refocus(key);
    if (!status) { return; }
    if (announce) {
      status.textContent = announce;
    } else if (summary() !== before) {
      status.textContent = summary();
    }
  }

  /* A ballot answered with its form alone (nothing else on the panel changed): that form is
     replaced, the rest of the panel stays as it is. False when the form is not on the panel. */
  function swapBallot(holder, seen, said) {
    var part = holder.querySelector("form[data-live-ballot]");
    var member = part ? part.getAttribute("data-live-ballot") : null;
    var old = member ? panel.querySelector("form[data-live-ballot=\"" + member + "\"]") : null;
    if (!old) { return false; }
    var key = focusKey();
    old.parentNode.replaceChild(part, old);
    if (seen) { shown = seen; }
    refocus(key);
    if (status && said) { status.textContent = said; }
    return true;
  }

  function busy() {  // a field of the panel in use: its value would be lost
    var node = document.activeElement;
    return panel.contains(node) && node !== panel && node.tagName !== "BUTTON";
  }

  function refresh() {
    if (pending || document.hidden || busy()) { return; }
    pending = true;
    var sent = ballots;
    // The version shown is asked for by name: after a ballot, the panel the ballot's answer
    // brought is current, and the next refresh gets a 304, not the same panel again.
    var headers = shown ? { "If-None-Match": "W/\"" + shown + "\"" } : {};
    fetch(url, { cache: "no-store", credentials: "same-origin", headers: headers })
      .then(function (response) {
        var seen = version(response);
        if (sent !== ballots) { return null; }  // a ballot left meanwhile: this panel is older
        if (!response.ok || (seen && seen === shown)) { return null; }  // 304: nothing new
        return response.text().then(function (html) {
          if (html !== last) { show(html, seen); } else { shown = seen; }
        });
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { pending = false; });
  }

  function vote(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form")) { return; }
    var button = event.submitter;
    if (!button || !window.FormData) { return; }  // the form goes as without JavaScript
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    pending = true;
    ballots += 1;
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(data),
      credentials: "same-origin",
      // The version shown: if nothing else changed since, the answer is this ballot's form alone.
      headers: { "X-Requested-With": "fetch", "X-Live-Version": shown || "" }
    })
      .then(function (response) {
        if (!response.ok && response.status !== 409) { throw new Error(response.status); }
        var seen = version(response);
        return response.text().then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var notice = holder.querySelector("[data-live-notice]");
          var said = notice ? notice.textContent : "";
          if (holder.querySelector("[data-live-summary]")) {
            show(html, seen, said);
          } else if (!swapBallot(holder, seen, said)) {
            shown = "";  // the form is not on the panel: the next refresh brings the whole panel
          }
        });
      })
      .catch(function () {  // as without JavaScript: the page comes back at the vote
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = button.name;
        input.value = button.value;
        form.appendChild(input);
        form.submit();
      })
      .then(function () { pending = false; });
  }

  panel.addEventListener("submit", vote);
  refresh();
  // Every two seconds (LIVE_POLL_MS: the browser journeys ask more often).
  window.setInterval(refresh, Number(document.body.getAttribute("data-poll")) || 2000);
}());
