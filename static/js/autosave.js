/* cdess — saves each self-assessment answer as soon as it changes. Written for cdess.
   The form works without it: "Enregistrer" posts every answer of the page. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector(".autosave-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  // With the script, each answer is saved as it changes: the sticky line says so, then
  // reports each save where the person is.
  status.textContent = "Vos réponses sont enregistrées à chaque changement.";

  function show(field, message) {
    var box = form.querySelector('.question-field[data-code="' + field + '"]');
    if (!box) { return; }
    var error = box.querySelector(".error-message");
    var input = box.querySelector("input, textarea");
    error.textContent = message || "";
    error.hidden = !message;
    box.classList.toggle("field-error", !!message);
    if (input && input.type !== "radio") {
      if (message) { input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
    }
    // The message is tied to its field, as when the server shows it.
    var target = input && input.type === "radio" ? box.querySelector("fieldset") : input;
    if (target) {
      var ids = (target.getAttribute("aria-describedby") || "").split(/\s+/)
        .filter(function (id) { return id && id !== error.id; });
      if (message) { ids.push(error.id); }
      if (ids.length) { target.setAttribute("aria-describedby", ids.join(" ")); }
      else { target.removeAttribute("aria-describedby"); }
    }
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var box = input.closest(".question-field");
    if (!box || !input.name) { return; }
    var code = box.getAttribute("data-code");
    status.textContent = "Enregistrement de la réponse " + code + "…";
    var body = new URLSearchParams();
    body.append("csrf_token", token);
    body.append("code", code);
    body.append("value", input.value);
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      show(code, result.ok ? "" : result.data.error);
      status.textContent = result.ok ? "Réponse " + code + " enregistrée." : "Réponse " + code + " non enregistrée.";
    }).catch(function () {
      status.textContent = "Connexion perdue : cliquez sur « Enregistrer ».";
    });
  });
})();
