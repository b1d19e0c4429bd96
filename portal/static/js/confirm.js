/* Asks before a form does something that cannot be undone: a form whose submit button carries
   data-confirm="…" is sent only if the person answers OK to that text. Progressive enhancement:
   without this script the form is sent at once, as before. Any template may use the attribute. */
(function () {
  "use strict";

  function confirmText(event) {
    var button = event.submitter;
    if (!button) {  // sent without a button (Enter in a field, requestSubmit()): the form's default one
      button = event.target.querySelector("button:not([type]), button[type=submit], input[type=submit]");
    }
    return button && button.getAttribute("data-confirm");
  }

  // Capture: decided before the form's own submit handlers run, so a cancelled send reaches none.
  document.addEventListener("submit", function (event) {
    var text = confirmText(event);
    if (text && !window.confirm(text)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
