// Editor enhancements; the form works without them. Live preview rendered by the server
// (identical to the published page) and a warning before leaving unsaved changes.
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

  form.addEventListener("input", function () {
    dirty = true;
    if (body && output && url) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  if (body && output && url) { refresh(); }
})();
