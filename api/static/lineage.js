// keifu lineage viewer: search a node by Japanese name, draw the layered lineage the server lays out
// (GET /lineage?format=json gives x/y per node), show a node's or an edge's evidence on click, export SVG/PNG.
// It starts one level deep and grows where the reader clicks (a node's "+N" counts what is not shown yet);
// the legend's chips hide or show a kind of node, the agency list keeps one agency's nodes (and the plans).
// No external library: the drawing is plain SVG built with DOM calls.
(function () {
  "use strict";
  const BASE = window.KEIFU_BASE || "";
  const SVGNS = "http://www.w3.org/2000/svg";
  const COLOURS = {
    NationalPlan: "#c0392b", Law: "#922b21", ObjectivesDocument: "#566573", AgencyPlan: "#6c7a89",
    PolicyEvaluation: "#5d6d7e", Briefing: "#7f8c8d", Document: "#7f8c8d", Agency: "#117a65",
    PolicyGoal: "#1a5276", MeasureGoal: "#1f618d", AchievementGoal: "#2471a3", Objective: "#2e86c1",
    Goal: "#2e86c1", EvaluationAxis: "#7d3c98", Indicator: "#1e8449", BudgetProgram: "#ca6f1e",
  };
  const $ = (id) => document.getElementById(id);
  let current = null;   // the JSON view on screen
  let scale = 1;
  let root = null;      // the node the view starts from
  const expanded = new Set();   // nodes whose neighbours were asked for
  const hidden = new Set();     // classes left out (legend chips)
  let kindsSeen = [];           // every class met since the start node was chosen (for the chips)
  let agencyFilter = "";

  function status(text) { $("status").textContent = text; }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(tag, content, parent, cls) {
    const e = document.createElement(tag);
    e.textContent = content;
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  function where(p) {
    if (!p) return "";
    return [p.file, p.page ? "p." + p.page : null, p.line].filter((x) => x !== null && x !== undefined && x !== "").join(":");
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json();
    return { status: r.status, body };
  }

  async function search(q) {
    status("検索中… / searching…");
    const { body } = await getJSON(`${BASE}/lineage/search?q=${encodeURIComponent(q)}`);
    const list = $("candidates");
    list.innerHTML = "";
    for (const c of body.candidates) {
      const li = text("li", c.label, list);
      li.dataset.iri = c.iri;
      text("div", `${c.class}${c.agency ? " · " + c.agency : ""}`, li, "cls");
      li.addEventListener("click", () => start(c.iri));
    }
    status(`${body.candidates.length} 件 / candidates`);
    const exact = body.candidates.filter((c) => c.exact);
    if (exact.length === 1) start(exact[0].iri);
    else if (body.candidates.length === 1) start(body.candidates[0].iri);
  }

  // a new start node: collapsed again, filters cleared
  function start(node) {
    root = node;
    expanded.clear(); hidden.clear(); kindsSeen = []; agencyFilter = "";
    return load(node);
  }

  async function load(node) {
    if (node !== root) { root = node; expanded.clear(); }
    const dir = $("direction").value, depth = $("depth").value;
    status("読み込み中… / loading…");
    const q = new URLSearchParams({ format: "json", node, direction: dir, depth,
      max_nodes: expanded.size ? 400 : 60 });
    for (const e of expanded) q.append("expand", e);
    if (hidden.size) q.set("hide", [...hidden].join(","));
    if (agencyFilter) q.set("agency", agencyFilter);
    const { status: code, body } = await getJSON(`${BASE}/lineage?${q}`);
    if (code !== 200) { status((body.error && (body.error.message_ja + " / " + body.error.message_en)) || `HTTP ${code}`); return; }
    current = body;
    for (const n of body.nodes) if (!kindsSeen.includes(n.class)) kindsSeen.push(n.class);
    draw(body);
    const params = new URLSearchParams({ node, direction: dir, depth });
    history.replaceState(null, "", `${location.pathname}?${params}`);
    const more = body.nodes.reduce((a, n) => a + (n.more || 0), 0);
    status(`${body.nodes.length} ノード / nodes, ${body.edges.length} 辺 / edges` +
      (more ? `（ほか ${more}: ノードをクリックで展開 / ${more} more: click a node to expand）` : "") +
      (body.truncated ? "（打ち切り / truncated）" : ""));
  }

  function expand(n) {
    if (!n.more || expanded.has(n.id)) return false;
    expanded.add(n.id);
    load(root).then(() => {
      const g = document.querySelector(`#lineage-svg g.node[data-id="${CSS.escape(n.id)}"]`);
      const again = current && current.nodes.find((m) => m.id === n.id);
      if (again) showNode(again, g);
    });
    return true;
  }

  function wrap(label, width, lines) {
    const out = [];
    for (let i = 0; i < label.length && out.length < lines; i += width) out.push(label.slice(i, i + width));
    if (label.length > width * lines) out[lines - 1] = out[lines - 1].slice(0, -1) + "…";
    return out;
  }

  function draw(view) {
    const canvas = $("canvas");
    canvas.innerHTML = "";
    const svg = el("svg", { id: "lineage-svg", xmlns: SVGNS, viewBox: `0 0 ${view.width} ${view.height}`,
      "font-family": "Noto Sans CJK JP, IPAGothic, sans-serif", "font-size": "12" }, canvas);
    el("rect", { width: view.width, height: view.height, fill: "#ffffff" }, svg);
    const pos = {};
    for (const n of view.nodes) pos[n.id] = n;
    const edges = el("g", { class: "edges", fill: "none" }, svg);
    for (const e of view.edges) {
      const a = pos[e.source], b = pos[e.target];
      if (!a || !b) continue;
      const x1 = a.x + a.width / 2, y1 = a.y, x2 = b.x + b.width / 2, y2 = b.y + b.height, my = (y1 + y2) / 2;
      const p = el("path", { class: "edge", d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`,
        stroke: e.edge === "kf:basedOn" ? "#c0392b" : "#95a5a6", "stroke-width": "1.4" }, edges);
      el("title", {}, p).textContent = `${e.label || e.edge} / ${e.label_en || ""} (${e.edge})`;
      p.addEventListener("click", () => showEdge(e));
      const t = el("text", { class: "edge-label", x: (x1 + x2) / 2, y: my + 4, "text-anchor": "middle", "font-size": "10",
        fill: "#566573", stroke: "#ffffff", "stroke-width": "3", "paint-order": "stroke" }, edges);
      t.textContent = e.label || e.edge;
      t.addEventListener("click", () => showEdge(e));
    }
    const nodes = el("g", { class: "nodes" }, svg);
    for (const n of view.nodes) {
      const g = el("g", { class: "node", "data-id": n.id, "data-class": n.class, transform: `translate(${n.x},${n.y})` }, nodes);
      el("title", {}, g).textContent = n.label + (where(n) ? " — " + where(n) : "");
      el("rect", { width: n.width, height: n.height, rx: 6, fill: COLOURS[n.class] || "#7f8c8d", stroke: "#1b2631", "stroke-width": "0.6" }, g);
      wrap(n.label, 13, 2).forEach((line, i) => { el("text", { x: 8, y: 18 + i * 16, fill: "#ffffff" }, g).textContent = line; });
      if (n.more) {
        el("text", { class: "more", x: n.width - 6, y: n.height - 5, "text-anchor": "end", "font-size": "10", fill: "#fdebd0" }, g)
          .textContent = `+${n.more}`;
      }
      g.addEventListener("click", () => { showNode(n, g); expand(n); });
      g.addEventListener("dblclick", () => start(n.id));
    }
    fit(0.6);  // readable first: wider views scroll rather than shrink below 60 %
    legend(view);
  }

  function legend(view) {
    const box = $("legend");
    box.innerHTML = "";
    text("div", "種類（クリックで表示・非表示）/ kinds (click to show or hide)", box, "cls");
    for (const cls of kindsSeen) {
      const s = text("span", cls, box);
      s.dataset.class = cls;
      s.style.background = COLOURS[cls] || "#7f8c8d";
      if (hidden.has(cls)) s.classList.add("off");
      s.addEventListener("click", () => {
        if (hidden.has(cls)) hidden.delete(cls); else hidden.add(cls);
        load(root);
      });
    }
    const agencies = [...new Set(view.nodes.map((n) => n.agency).filter(Boolean))].sort();
    if (agencyFilter && !agencies.includes(agencyFilter)) agencies.unshift(agencyFilter);
    if (agencies.length > 1 || agencyFilter) {
      const label = text("label", "法人 / agency ", box);
      label.style.display = "block";
      const sel = document.createElement("select");
      sel.id = "agency-filter";
      for (const a of ["", ...agencies]) {
        const o = document.createElement("option");
        o.value = a; o.textContent = a || "すべて / all";
        if (a === agencyFilter) o.selected = true;
        sel.appendChild(o);
      }
      sel.addEventListener("change", () => { agencyFilter = sel.value; load(root); });
      label.appendChild(sel);
    }
  }

  function showNode(n, g) {
    document.querySelectorAll(".node.selected").forEach((x) => x.classList.remove("selected"));
    if (g) g.classList.add("selected");
    const d = $("detail");
    d.innerHTML = "";
    text("h3", n.label, d);
    text("div", n.class + (n.kind ? " · " + n.kind : "") + (n.agency ? " · " + n.agency : ""), d, "cls");
    const w = text("div", "出典 / source: " + (where(n) || "—") + (n.last_line ? "–" + n.last_line : ""), d, "where");
    w.id = "detail-where";
    if (n.quote) text("blockquote", n.quote, d);
    const iri = text("div", n.id, d, "cls");
    iri.style.wordBreak = "break-all";
    const again = text("button", "このノードから描く / redraw from here", d);
    again.addEventListener("click", () => start(n.id));
    const page = document.createElement("a");
    page.href = `${BASE}/node?iri=${encodeURIComponent(n.id)}`;
    page.textContent = " ページを開く / open its page";
    d.appendChild(page);
  }

  function showEdge(e) {
    const d = $("detail");
    d.innerHTML = "";
    text("h3", `${e.label || e.edge} / ${e.label_en || ""}`, d);
    text("div", e.edge, d, "cls");
    const ev = e.evidence || {};
    text("div", "根拠 / evidence: " + (where(ev) || "—"), d, "where").id = "detail-where";
    if (ev.quote) text("blockquote", ev.quote, d);
  }

  function applyScale() {
    const svg = $("lineage-svg");
    if (!svg || !current) return;
    svg.setAttribute("width", Math.max(50, current.width * scale));
    svg.setAttribute("height", Math.max(50, current.height * scale));
  }

  function fit(floor) {
    if (!current) return;
    const c = $("canvas");
    scale = Math.min(1, (c.clientWidth - 8) / current.width, (c.clientHeight - 8) / current.height);
    scale = Math.max(scale, typeof floor === "number" ? floor : 0.05);
    applyScale();
  }

  function serialise() {
    const svg = $("lineage-svg");
    const copy = svg.cloneNode(true);
    copy.setAttribute("width", current.width);
    copy.setAttribute("height", current.height);
    copy.querySelectorAll(".selected").forEach((x) => x.classList.remove("selected"));
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function exportSVG() {
    if (!current) return;
    download(new Blob([serialise()], { type: "image/svg+xml" }), "lineage.svg");
  }

  function exportPNG() {
    if (!current) return;
    const img = new Image();
    const url = URL.createObjectURL(new Blob([serialise()], { type: "image/svg+xml" }));
    img.onload = () => {
      const canvas = document.createElement("canvas");
      const k = Math.min(2, 16000 / Math.max(current.width, current.height));
      canvas.width = Math.round(current.width * k);
      canvas.height = Math.round(current.height * k);
      const ctx = canvas.getContext("2d");
      ctx.scale(k, k);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => download(b, "lineage.png"), "image/png");
    };
    img.src = url;
  }

  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); const q = $("q").value.trim(); if (q) search(q); });
  $("zoom-in").addEventListener("click", () => { scale *= 1.25; applyScale(); });
  $("zoom-out").addEventListener("click", () => { scale /= 1.25; applyScale(); });
  $("fit").addEventListener("click", () => fit());
  $("export-svg").addEventListener("click", exportSVG);
  $("export-png").addEventListener("click", exportPNG);

  const params = new URLSearchParams(location.search);
  if (params.get("direction")) $("direction").value = params.get("direction");
  if (params.get("depth")) $("depth").value = params.get("depth");
  if (params.get("node")) start(params.get("node"));
  else if (params.get("q")) { $("q").value = params.get("q"); search(params.get("q")); }
  window.keifuLineage = { load: start, search, exportSVG, exportPNG, get view() { return current; } };
})();
