// Editor enhancements; the form works without them. Live preview rendered by the server
// (identical to the published page), a warning before leaving unsaved changes, and a copy of what
// is typed kept in this browser tab (sessionStorage), so that a save refused because the session or
// the form expired loses nothing: opening the edit page again in the tab offers the text back.
(function () {
  "use strict";
  var form = document.querySelector("form.editor-form");
  if (!form) { return; }
  var body = form.querySelector("textarea[name=body]");
  var output = document.getElementById("preview-output");
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]");
  var dirty = false;
  var timer = null;

  function refresh() {
    var data = new FormData();
    data.append("body", body.value);
    if (token) { data.append("csrf_token", token.value); }
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (json) { if (json && output) { output.innerHTML = json.html; } })
      .catch(function () { /* the preview button still works */ });
  }

  // --- The tab's copy of the form -------------------------------------------------------------
  var key = "svp-redigering:" + form.getAttribute("action");
  var maxAgeMs = 24 * 3600 * 1000;
  var storage = null;
  try { storage = window.sessionStorage; } catch (e) { storage = null; }

  function typedFields() {
    return Array.prototype.filter.call(form.querySelectorAll("textarea[name], input[name]"), function (el) {
      return el.tagName === "TEXTAREA" || el.type === "text" || el.type === "date";
    });
  }

  function values() {
    var result = {};
    typedFields().forEach(function (el) { result[el.name] = el.value; });
    return result;
  }

  // Whether the page already has the kept text: then it was saved. The notes of a save or a
  // publication are empty again after one, so they do not count.
  var perSave = ["save_note", "change_note"];
  function sameAsForm(saved) {
    return typedFields().every(function (el) {
      return perSave.indexOf(el.name) >= 0 || !(el.name in saved) ||
        saved[el.name].replace(/\r\n/g, "\n").trim() === el.value.replace(/\r\n/g, "\n").trim();
    });
  }

  function keep() {
    if (!storage) { return; }
    try { storage.setItem(key, JSON.stringify({ at: Date.now(), fields: values() })); } catch (e) { /* full */ }
  }

  function forget() {
    if (storage) { try { storage.removeItem(key); } catch (e) { /* nothing kept */ } }
  }

  function offer(saved) {
    var box = document.createElement("div");
    box.className = "notice notice-warn";
    box.setAttribute("role", "status");
    var text = document.createElement("p");
    var time = new Date(saved.at).toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" });
    text.textContent = "Den här fliken har kvar text som du skrev kl. " + time + " och som kanske inte " +
      "sparades (till exempel för att du blev utloggad). Vill du ta tillbaka den i formuläret?";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button primary";
    restore.textContent = "Återställ min text";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = "Släng den";
    restore.addEventListener("click", function () {
      typedFields().forEach(function (el) { if (el.name in saved.fields) { el.value = saved.fields[el.name]; } });
      dirty = true;
      box.remove();
      if (body) { body.focus(); }
      if (body && output && url) { refresh(); }
    });
    discard.addEventListener("click", function () { forget(); box.remove(); });
    var actions = document.createElement("p");
    actions.className = "actions";
    actions.appendChild(restore);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(discard);
    box.appendChild(text);
    box.appendChild(actions);
    form.parentNode.insertBefore(box, form);
  }

  (function offerWhatTheTabKept() {
    if (!storage) { return; }
    if (form.getAttribute("data-tab-copy") === "fresh") { forget(); return; }
    var saved = null;
    try { saved = JSON.parse(storage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.fields || Date.now() - saved.at > maxAgeMs || sameAsForm(saved.fields)) {
      forget();  // nothing kept, too old, or the page already has it (it was saved)
      return;
    }
    offer(saved);
  })();

  form.addEventListener("input", function () {
    dirty = true;
    keep();
    if (body && output && url) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }
  });
  form.addEventListener("submit", function () { dirty = false; keep(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  if (body && output && url) { refresh(); }
})();
