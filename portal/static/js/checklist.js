// The unit head's checklist page (/min-enhet): each item and each confirmation is a form of its
// own, so saving one would silently drop what was typed or ticked in the others. Warn before the
// page is left while another form has unsaved changes. The page works without this script.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form.item-form, form.confirm-form"));
  if (!forms.length) { return; }
  var submitting = null;

  function state(form) {
    return Array.prototype.map.call(form.querySelectorAll("input[type=checkbox], textarea[name]"), function (el) {
      return el.type === "checkbox" ? String(el.checked) : el.value;
    }).join("\u0000");
  }

  var saved = forms.map(state);

  function changed(form, index) { return state(form) !== saved[index]; }

  forms.forEach(function (form) {
    form.addEventListener("submit", function () { submitting = form; });
  });

  window.addEventListener("beforeunload", function (event) {
    // The form being sent carries its own changes; any other changed form would lose them.
    var unsaved = forms.some(function (form, index) { return form !== submitting && changed(form, index); });
    submitting = null;  // a cancelled leave must warn again next time
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });
})();
