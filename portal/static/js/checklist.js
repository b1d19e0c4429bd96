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
    // A refused save renders the page at the form's own address, /min-enhet/<unit>/<slug>/punkt/<n>,
    // with the message about it at the top.
    var match = window.location.pathname.match(/\/min-enhet\/\d+\/([^/]+)\/(?:punkt\/\d+|bekrafta)$/);
    return match ? cardOf("rutin-" + decodeURIComponent(match[1])) : null;
  }

  if (window.matchMedia("(max-width: 40rem)").matches) {
    var link = linked(), keep = link || posted();
    cards.forEach(function (card) {
      if (card !== keep && !card.querySelector("[aria-invalid=true]")) { card.open = false; }
    });
    if (link) { link.parentNode.scrollIntoView(); }  // the cards above it have just become shorter
  }

  // A link to a routine (#rutin-<slug>) opens its checklist, also on a wide screen where it was folded by hand.
  window.addEventListener("hashchange", function () {
    var card = linked();
    if (card && !card.open) { card.open = true; card.parentNode.scrollIntoView(); }
  });
})();

// Each item and each confirmation is a form of its own, so saving one would silently drop what was
// typed or ticked in the others. Warn before the page is left while another form has unsaved changes.
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
