// The unit head's checklist page (/min-enhet). The page works without this script.
//
// On a phone, fold each routine's checklist (a <details>, open in the HTML so that nothing is hidden
// without the script) so that the routines read as a short list; keep open the routine the unit
// head is working on: the one in the address (#rutin-<slug>, where saving returns) or the one whose
// form came back with an error.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll("details.routine-details"));
  if (!cards.length || !window.matchMedia) { return; }

  function cardOf(id) {
    var section = id && document.getElementById(id);
    return section ? section.querySelector("details.routine-details") : null;
  }

  function linked() {
    var hash = window.location.hash.slice(1);
    try { hash = decodeURIComponent(hash); } catch (error) { /* keep it as it came */ }
    return cardOf(hash);
  }

  function posted() {
    // A refused save renders the page at the form's own address, /min-enhet/<unit>/<slug>/checklista
    // (or /bekrafta, or an old page's /punkt/<n>), with the message about it at the top.
    var match = window.location.pathname.match(/\/min-enhet\/\d+\/([^/]+)\/(?:checklista|punkt\/\d+|bekrafta)$/);
    return match ? cardOf("rutin-" + decodeURIComponent(match[1])) : null;
  }

  if (window.matchMedia("(max-width: 40rem)").matches) {
    var link = linked(), keep = link || posted();
    cards.forEach(function (card) {
      if (card !== keep && !card.querySelector("[aria-invalid=true], .item-note")) { card.open = false; }
    });
    if (link) { link.parentNode.scrollIntoView(); }  // the cards above it have just become shorter
  }

  // A link to a routine (#rutin-<slug>) opens its checklist, also on a wide screen where it was folded by hand.
  window.addEventListener("hashchange", function () {
    var card = linked();
    if (card && !card.open) { card.open = true; card.parentNode.scrollIntoView(); }
  });
})();

// A routine's checklist is one form and its confirmation another, so saving one drops what was
// ticked or typed in the others (confirming first asks for the checklist to be saved). Count what differs from what is saved next to each checklist's
// button ("2 ändringar är inte sparade"), and warn before the page is left while another form than
// the one being sent has such changes. What is saved: the HTML's own value, or data-saved-* where a
// refused save put the typed text back into the form.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form.checklist-form, form.confirm-form"));
  if (!forms.length) { return; }
  var submitting = null;

  function differs(el) {
    if (el.type === "checkbox") {
      var saved = el.hasAttribute("data-saved-checked") ? el.getAttribute("data-saved-checked") === "true"
        : el.defaultChecked;
      return el.checked !== saved;
    }
    var text = el.hasAttribute("data-saved-value") ? el.getAttribute("data-saved-value") : el.defaultValue;
    return el.value.replace(/\r\n?/g, "\n") !== text.replace(/\r\n?/g, "\n");
  }

  function changes(form) {
    var parts = form.querySelectorAll(".checklist-item");
    if (!parts.length) { parts = [form]; }
    return Array.prototype.filter.call(parts, function (part) {
      return Array.prototype.some.call(part.querySelectorAll("input[type=checkbox], textarea[name]"), differs);
    }).length;
  }

  function show(form) {
    var hint = form.querySelector(".unsaved-hint");
    if (!hint) { return; }
    var n = changes(form);
    var text = n === 0 ? "" : n === 1 ? "1 ändring är inte sparad" : n + " ändringar är inte sparade";
    if (hint.textContent !== text) { hint.textContent = text; }
  }

  // Confirming while the same routine's checklist has unsaved changes would drop them, and the
  // confirmation would count the items as they are saved: ask for the checklist to be saved first.
  function checklistOf(confirmForm) {
    var card = confirmForm.closest("details, section");
    return card ? card.querySelector("form.checklist-form") : null;
  }

  function blockConfirm(confirmForm, n) {
    var note = confirmForm.querySelector(".confirm-blocked");
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error confirm-blocked";
      note.setAttribute("role", "alert");
      note.tabIndex = -1;
      var button = confirmForm.querySelector("button[type=submit]");
      confirmForm.insertBefore(note, button);
    }
    note.textContent = (n === 1 ? "Checklistan har 1 ändring" : "Checklistan har " + n + " ändringar")
      + " som inte är sparade. Spara checklistan först, så räknas det du har gjort när du bekräftar.";
    note.focus();
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.classList.contains("confirm-form")) {
        var checklistForm = checklistOf(form), n = checklistForm ? changes(checklistForm) : 0;
        if (n > 0) { event.preventDefault(); blockConfirm(form, n); submitting = null; return; }
      }
      submitting = form;
    });
    form.addEventListener("input", function () { show(form); });
    form.addEventListener("change", function () { show(form); });
    show(form);  // a refused save's typed text, or what the browser restored on going back
  });
  // The browser may restore a form's values after the script ran (back to a page from its cache).
  window.addEventListener("pageshow", function () { submitting = null; forms.forEach(show); });

  window.addEventListener("beforeunload", function (event) {
    // The form being sent carries its own changes; any other changed form would lose them.
    var unsaved = forms.some(function (form) { return form !== submitting && changes(form) > 0; });
    submitting = null;  // a cancelled leave must warn again next time
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });
})();
