/* cdess — the main menu folds behind a button on a phone. Without this script the menu stays
   open: the button is only shown once the script has run (the "js" class). */
(function () {
  "use strict";
  var nav = document.querySelector(".main-nav");
  var button = document.querySelector(".nav-toggle");
  if (!nav || !button) { return; }
  document.documentElement.classList.add("js");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  });
})();
