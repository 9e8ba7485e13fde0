// De zoekpagina. Spreekt de zoek-API van Meilisearch
// (POST /indexes/publications/search): tegen `vindplaats serve` op hetzelfde
// adres, of tegen de Meilisearch die bij het bouwen is ingesteld.
// De zoekvraag, filters, sortering en pagina staan in de URL, zodat een
// zoekopdracht te delen is en de terugknop werkt.
(function () {
  "use strict";

  var form = document.getElementById("zoekformulier");
  if (!form) return;
  var input = document.getElementById("zoekterm");
  var sortSelect = document.getElementById("sortering");
  var status = document.getElementById("zoekstatus");
  var facetBox = document.getElementById("facetten");
  var list = document.getElementById("resultaten");
  var pager = document.getElementById("paginering");

  var base = (form.getAttribute("data-search-url") || "").replace(/\/+$/, "");
  var key = form.getAttribute("data-search-key") || "";
  var types = {};
  try { types = JSON.parse(form.getAttribute("data-types") || "{}"); } catch (e) { types = {}; }

  var PER_PAGE = 10;
  var SOORTEN = {
    publicatie: "Publicatie", podcastaflevering: "Podcastaflevering", vraag: "Vraag en antwoord",
    dossier: "Dossier", kennisatelier: "Kennisatelier", portaalproject: "Portaalproject",
    thema: "Thema of programmalijn", partner: "Partner", pagina: "Pagina"
  };
  var FACETS = [
    { name: "soort", label: "Soort pagina" },
    { name: "thema", label: "Thema" },
    { name: "programmalijn", label: "Programmalijn" },
    { name: "type", label: "Soort" },
    { name: "partner", label: "Partner" },
    { name: "year", label: "Jaar" }
  ];
  var state = readUrl();
  var lastRequest = 0;
  var timer = null;

  function readUrl() {
    var p = new URLSearchParams(window.location.search);
    var filters = {};
    FACETS.forEach(function (f) {
      var values = p.getAll(f.name === "year" ? "jaar" : f.name);
      if (values.length) filters[f.name] = values;
    });
    var page = parseInt(p.get("pagina") || "1", 10);
    return {
      q: p.get("q") || "",
      sort: p.get("sorteer") || "",
      page: page > 0 ? page : 1,
      filters: filters
    };
  }

  function writeUrl(push) {
    var p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    FACETS.forEach(function (f) {
      (state.filters[f.name] || []).forEach(function (v) {
        p.append(f.name === "year" ? "jaar" : f.name, v);
      });
    });
    if (state.sort) p.set("sorteer", state.sort);
    if (state.page > 1) p.set("pagina", String(state.page));
    var query = p.toString();
    var url = window.location.pathname + (query ? "?" + query : "");
    if (push) {
      window.history.pushState(null, "", url);
    } else {
      window.history.replaceState(null, "", url);
    }
  }

  function quote(value) {
    return '"' + String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  }

  function filterExpression() {
    // Within one facet any value (OR); across facets all (AND).
    var all = [];
    FACETS.forEach(function (f) {
      var values = state.filters[f.name] || [];
      if (values.length) {
        all.push(values.map(function (v) { return f.name + " = " + quote(v); }));
      }
    });
    return all;
  }

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  // Highlighted text from the engine: escape everything, then let only
  // the <mark> tags we asked for through.
  function marked(text) {
    return escapeHtml(text || "")
      .replace(/&lt;mark&gt;/g, "<mark>")
      .replace(/&lt;\/mark&gt;/g, "</mark>");
  }

  function typeLabel(value) {
    return types[value] || value;
  }

  // The engine searches at most 10 words (as Meilisearch does); longer
  // queries are cut here, and the reader is told.
  var MAX_WORDS = 10;
  function searchedWords(q) {
    var words = q.split(/[^\p{L}\p{N}]+/u).filter(function (w) { return w; });
    if (words.length <= MAX_WORDS) return q;
    return words.slice(0, MAX_WORDS).join(" ");
  }

  function search() {
    var id = ++lastRequest;
    var body = {
      q: searchedWords(state.q),
      hitsPerPage: PER_PAGE,
      page: state.page,
      facets: FACETS.map(function (f) { return f.name; }),
      filter: filterExpression(),
      attributesToRetrieve: ["id", "url", "title", "summary", "soort", "type", "year", "date", "partner"],
      attributesToHighlight: ["title"],
      attributesToCrop: ["summary:40"],
      highlightPreTag: "<mark>",
      highlightPostTag: "</mark>"
    };
    if (state.sort) body.sort = [state.sort];
    var headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = "Bearer " + key;
    form.setAttribute("aria-busy", "true");
    fetch(base + "/indexes/publications/search", {
      method: "POST",
      headers: headers,
      body: JSON.stringify(body)
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) {
            throw new Error(data && data.message ? data.message : "HTTP " + response.status);
          }
          return data;
        });
      })
      .then(function (data) {
        if (id !== lastRequest) return; // an older answer, overtaken
        render(data);
      })
      .catch(function (error) {
        if (id !== lastRequest) return;
        list.innerHTML = "";
        pager.innerHTML = "";
        status.textContent = "Zoeken lukt nu niet. Probeer het later opnieuw.";
      })
      .then(function () {
        if (id === lastRequest) form.removeAttribute("aria-busy");
      });
  }

  function render(data) {
    var total = data.totalHits || 0;
    var items = data.hits.map(function (hit) {
      var f = hit._formatted || hit;
      var meta = [];
      if (hit.soort && hit.soort !== "publicatie") meta.push(escapeHtml(SOORTEN[hit.soort] || hit.soort));
      (Array.isArray(hit.type) ? hit.type : [hit.type]).forEach(function (t) {
        if (t) meta.push(escapeHtml(typeLabel(t)));
      });
      if (hit.year) meta.push(escapeHtml(hit.year));
      var partners = Array.isArray(hit.partner) ? hit.partner : (hit.partner ? [hit.partner] : []);
      if (partners.length) meta.push(escapeHtml(partners.join(", ")));
      var href = hit.url || "#";
      return '<li class="resultaat">' +
        '<h3 class="resultaat__titel"><a href="' + escapeHtml(href) + '">' + marked(f.title) + "</a></h3>" +
        (meta.length ? '<p class="resultaat__meta">' + meta.join(" · ") + "</p>" : "") +
        (f.summary ? '<p class="resultaat__tekst">' + marked(f.summary) + "</p>" : "") +
        "</li>";
    });
    list.innerHTML = items.join("");
    renderFacets(data.facetDistribution || {});
    renderPager(data.totalPages || 0);
    renderStatus(total);
  }

  function activeFilterCount() {
    return FACETS.reduce(function (n, f) { return n + (state.filters[f.name] || []).length; }, 0);
  }

  function renderStatus(total) {
    var what = state.q ? " voor \u2018" + state.q + "\u2019" : "";
    var filters = activeFilterCount();
    status.innerHTML = "";
    if (total === 0) {
      var text = "Geen resultaten" + what + ".";
      if (filters) {
        text += " Haal een of meer filters weg om meer te vinden.";
      } else if (state.q) {
        text += " Probeer andere of minder woorden.";
      }
      status.appendChild(document.createTextNode(text));
      if (filters) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "knop-link";
        button.textContent = "Alle filters weghalen";
        button.addEventListener("click", function () {
          state.filters = {};
          state.page = 1;
          writeUrl(true);
          syncForm();
          search();
        });
        status.appendChild(document.createTextNode(" "));
        status.appendChild(button);
      }
      return;
    }
    var text2 = total + (total === 1 ? " resultaat" : " resultaten") + what;
    if (filters) text2 += ", met " + filters + (filters === 1 ? " filter" : " filters");
    if (state.page > 1) text2 += " (pagina " + state.page + ")";
    if (searchedWords(state.q) !== state.q) text2 += "; alleen de eerste " + MAX_WORDS + " woorden zijn gezocht";
    status.textContent = text2 + ".";
  }

  function renderFacets(distribution) {
    var html = "";
    FACETS.forEach(function (f) {
      var counts = distribution[f.name] || {};
      var selected = state.filters[f.name] || [];
      var values = Object.keys(counts);
      selected.forEach(function (v) { if (values.indexOf(v) < 0) values.push(v); });
      if (!values.length) return;
      if (f.name === "year") {
        values.sort(function (a, b) { return Number(b) - Number(a); });
      } else {
        values.sort(function (a, b) { return (counts[b] || 0) - (counts[a] || 0) || a.localeCompare(b, "nl"); });
      }
      html += '<fieldset class="facet"><legend>' + f.label + "</legend><ul>";
      values.forEach(function (v, i) {
        var id = "facet-" + f.name + "-" + i;
        var checked = selected.indexOf(v) >= 0 ? " checked" : "";
        var label = f.name === "type" ? typeLabel(v) : f.name === "soort" ? (SOORTEN[v] || v) : v;
        html += '<li><input type="checkbox" id="' + id + '" data-facet="' + f.name + '" value="' +
          escapeHtml(v) + '"' + checked + '> <label for="' + id + '">' + escapeHtml(label) +
          ' <span class="aantal">(' + (counts[v] || 0) + ")</span></label></li>";
      });
      html += "</ul></fieldset>";
    });
    facetBox.innerHTML = html || "<p>Geen filters voor deze resultaten.</p>";
  }

  function renderPager(pages) {
    if (pages <= 1) {
      pager.innerHTML = "";
      return;
    }
    var html = "";
    if (state.page > 1) {
      html += '<button type="button" data-page="' + (state.page - 1) + '">Vorige pagina</button> ';
    }
    html += '<span class="paginering__stand">Pagina ' + state.page + " van " + pages + "</span>";
    if (state.page < pages) {
      html += ' <button type="button" data-page="' + (state.page + 1) + '">Volgende pagina</button>';
    }
    pager.innerHTML = html;
  }

  function syncForm() {
    input.value = state.q;
    sortSelect.value = state.sort;
  }

  input.addEventListener("input", function () {
    state.q = input.value;
    state.page = 1;
    writeUrl(false);
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 120);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = input.value;
    state.page = 1;
    writeUrl(true);
    window.clearTimeout(timer);
    search();
  });

  sortSelect.addEventListener("change", function () {
    state.sort = sortSelect.value;
    state.page = 1;
    writeUrl(true);
    search();
  });

  facetBox.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.getAttribute("data-facet")) return;
    var name = box.getAttribute("data-facet");
    var values = (state.filters[name] || []).filter(function (v) { return v !== box.value; });
    if (box.checked) values.push(box.value);
    if (values.length) {
      state.filters[name] = values;
    } else {
      delete state.filters[name];
    }
    state.page = 1;
    writeUrl(true);
    search();
  });

  pager.addEventListener("click", function (event) {
    var page = event.target && event.target.getAttribute("data-page");
    if (!page) return;
    state.page = parseInt(page, 10);
    writeUrl(true);
    search();
    document.getElementById("resultaten-kop").scrollIntoView();
  });

  window.addEventListener("popstate", function () {
    state = readUrl();
    syncForm();
    search();
  });

  syncForm();
  search();
})();
