/* Progressive enhancement of forms (the criterion editor):
   - rows posted as indexed fields (`<fieldset data-rows="options">`, one `li[data-row]` each,
     fields named `options-0-key`…) get buttons to add, remove and reorder them; the rows are
     renumbered so that the server reads them in the order shown;
   - parts marked `data-answer-types="choice number"` show only while the select named by the
     form's `data-type-select` holds one of those values.
   Without JavaScript every row and every part shows and the plain form works. */
(function () {
  "use strict";

  function button(text, hidden, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className || "button-secondary button-small";
    b.appendChild(document.createTextNode(text));
    if (hidden) {
      var span = document.createElement("span");
      span.className = "visually-hidden";
      b.appendChild(span);
    }
    return b;
  }

  function setupRows(box) {
    var prefix = box.dataset.rows;
    var noun = box.dataset.noun;
    var theNoun = box.dataset.theNoun;
    var max = parseInt(box.dataset.max, 10) || 30;
    var list = box.querySelector("ol.row-list");
    var pattern = new RegExp("^" + prefix + "-\\d+");
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    var add = button(box.dataset.addLabel, false, "button-secondary");
    add.classList.add("row-add");
    box.appendChild(add);
    box.appendChild(status);

    function rows() {
      return Array.prototype.filter.call(list.children, function (li) {
        return li.hasAttribute("data-row");
      });
    }

    function say(text) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function rename(element, attribute, index) {
      var value = element.getAttribute(attribute);
      if (!value) return;
      element.setAttribute(attribute, value.split(" ").map(function (token) {
        return token.replace(pattern, prefix + "-" + index);
      }).join(" "));
    }

    function renumber() {
      var all = rows();
      all.forEach(function (row, index) {
        row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
          ["id", "name", "for", "aria-describedby"].forEach(function (a) { rename(el, a, index); });
        });
        row.querySelector("legend").textContent = noun + " " + (index + 1);
        var tools = row.querySelector(".row-tools");
        var label = " " + theNoun + " " + (index + 1);
        tools.querySelectorAll("button .visually-hidden").forEach(function (span) {
          span.textContent = label;
        });
        tools.querySelector("[data-move='-1']").disabled = index === 0;
        tools.querySelector("[data-move='1']").disabled = index === all.length - 1;
        tools.querySelector("[data-remove]").disabled = all.length === 1;
      });
      add.disabled = all.length >= max;
    }

    function addTools(row) {
      var tools = document.createElement("div");
      tools.className = "row-tools";
      var up = button("Monter", true);
      up.setAttribute("data-move", "-1");
      var down = button("Descendre", true);
      down.setAttribute("data-move", "1");
      var remove = button("Supprimer", true);
      remove.setAttribute("data-remove", "");
      tools.appendChild(up);
      tools.appendChild(down);
      tools.appendChild(remove);
      row.querySelector("fieldset").appendChild(tools);
    }

    rows().forEach(addTools);

    list.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target || target.disabled) return;
      var row = target.closest("li[data-row]");
      var all = rows();
      var index = all.indexOf(row);
      if (target.hasAttribute("data-remove")) {
        var next = all[index + 1] || all[index - 1];
        row.remove();
        renumber();
        next.querySelector("input").focus();
        say(noun + " " + (index + 1) + " supprimée.");
      } else if (target.hasAttribute("data-move")) {
        var step = parseInt(target.getAttribute("data-move"), 10);
        var other = all[index + step];
        if (!other) return;
        if (step < 0) list.insertBefore(row, other); else list.insertBefore(other, row);
        renumber();
        var same = row.querySelector("[data-move='" + step + "']");
        (same.disabled ? row.querySelector("[data-move='" + -step + "']") : same).focus();
        say(noun + " déplacée en position " + (index + step + 1) + ".");
      }
    });

    add.addEventListener("click", function () {
      var all = rows();
      var copy = all[all.length - 1].cloneNode(true);
      copy.classList.remove("row-error");
      copy.querySelectorAll(".error-message").forEach(function (p) { p.remove(); });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      });
      list.appendChild(copy);
      renumber();
      copy.querySelector("input").focus();
      say(noun + " " + rows().length + " ajoutée.");
    });

    renumber();
  }

  function setupTypes(form) {
    var select = document.getElementById(form.dataset.typeSelect);
    if (!select) return;
    var parts = form.querySelectorAll("[data-answer-types]");
    function show() {
      parts.forEach(function (part) {
        var chosen = part.dataset.answerTypes.split(" ").indexOf(select.value) >= 0;
        part.hidden = !chosen && !part.querySelector(".field-error"); // an error stays in sight
      });
    }
    select.addEventListener("change", show);
    show();
  }

  document.querySelectorAll("fieldset[data-rows]").forEach(setupRows);
  document.querySelectorAll("form[data-type-select]").forEach(setupTypes);
})();
