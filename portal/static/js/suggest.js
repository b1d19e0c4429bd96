/* Title suggestions for the search boxes (the header's, /sok's own): progressive enhancement of a
   plain GET form. Every input with data-suggest-url gets its own list. Without this script the
   form still searches; with it, matching titles appear while typing and can be chosen with the
   arrow keys and Enter, or with the mouse. */
(function () {
  "use strict";
  if (!window.fetch) { return; }

  // Ids start with "sokforslag": a document heading never gets one (portal/handbook/markdown.py),
  // so a list on a document page cannot clash with the page's own ids. The header's list keeps
  // the plain name; another box's list is named after its box.
  function listId(input, number) {
    if (input.id === "header-q") { return "sokforslag"; }
    return "sokforslag-" + (input.id || "ruta-" + number);
  }

  function attach(input, number) {
    var url = input.dataset.suggestUrl;
    var list = document.createElement("ul");
    list.id = listId(input, number);
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Förslag");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");  // the browser's own list would cover this one

    var items = [], active = -1, timer = null, latest = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function mark(index) {
      active = index;
      items.forEach(function (item, i) { item.el.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].el.id); }
      else { input.removeAttribute("aria-activedescendant"); }
    }

    function show(found) {
      list.innerHTML = ""; items = []; active = -1;
      found.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = hit.titel + (hit.typ ? " (" + hit.typ.toLowerCase() + ")" : "");
        li.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = hit.adress; });
        list.appendChild(li);
        items.push({el: li, href: hit.adress});
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {forslag: []}; })
        .then(function (data) { if (ticket === latest) { show(data.forslag || []); } })
        .catch(close);
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 150); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) { event.preventDefault(); mark((active + 1) % items.length); }
      else if (event.key === "ArrowUp" && items.length) { event.preventDefault(); mark(active <= 0 ? items.length - 1 : active - 1); }
      else if (event.key === "Escape") {
        // ARIA combobox: the first Escape only closes the list. Without preventDefault a type=search
        // box would also clear the typed text; a second Escape, with the list closed, may clear it.
        if (!list.hidden) { event.preventDefault(); }
        clearTimeout(timer); latest++; close();  // a suggestion still on its way must not reopen it
      }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location.href = items[active].href; }
    });
    input.addEventListener("blur", function () { clearTimeout(timer); latest++; setTimeout(close, 150); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest-url]"), function (input, number) {
    if (input.dataset.suggestUrl) { attach(input, number); }
  });
}());
