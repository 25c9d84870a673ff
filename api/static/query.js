// Query page: YASGUI on this server's /sparql, prefixes pre-filled, the named queries as examples.
(function () {
  "use strict";
  const endpoint = window.location.origin + "/sparql";
  const prefixes = window.KEIFU_PREFIXES || "";
  const first = prefixes + "\nSELECT ?class (COUNT(?s) AS ?n) WHERE {\n  ?s a ?class\n}\nGROUP BY ?class\nORDER BY DESC(?n)\n";
  Yasgui.Yasqe.defaults.value = first;
  // Only local completions: the others call prefix.cc / LOV on the internet.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
  });
  window.keifuYasgui = yasgui;

  function run(text) {
    const tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.setQuery(text);
    tab.getYasqe().query();
  }

  fetch("/queries", { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (queries) {
      const list = document.getElementById("example-list");
      list.textContent = "";
      queries.forEach(function (q) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.name = q.name;
        b.textContent = q.title || q.name;
        b.title = q.description + (q.example ? "\n(" + q.example + ")" : "");
        b.addEventListener("click", function () { run(q.example_sparql || q.sparql); });
        list.appendChild(b);
      });
    })
    .catch(function (e) { document.getElementById("example-list").textContent = String(e); });
})();
