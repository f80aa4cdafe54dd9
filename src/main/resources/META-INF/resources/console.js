// The console: reads only the public REST API (GET /api/clusters, /api/clusters/{c}, /api/alerts)
// and polls it, with the API token given in the page when reads need one. Polling rather than server-sent events: the API already answers everything the page
// shows, a plain GET survives proxies, restarts and several service nodes behind one address, and
// one request per second or two is nothing next to what the pollers do.
"use strict";
(function () {
  const POLL_MS = 2000;
  const NODE_W = 300, NODE_H = 66, GAP_X = 50, GAP_Y = 100, PAD = 20;
  const SVG = "http://www.w3.org/2000/svg";
  let selected = null;
  let timer = null, busy = false, again = false;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== undefined && v !== null) e.setAttribute(k, v); });
    children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== undefined && v !== null) e.setAttribute(k, v); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The API token (when sentinel.api.read-requires-token=true, or for writing): kept in this tab's
  // sessionStorage only, so it is gone with the tab and never sent anywhere but this service.
  const TOKEN_KEY = "repl-sentinel.api-token";

  function authHeaders() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: "Bearer " + token } : {};
  }

  async function getJson(path) {
    const r = await fetch(path, { headers: { Accept: "application/json", ...authHeaders() }, cache: "no-store" });
    if (r.status === 401) {
      document.getElementById("token-form").hidden = false;
      throw new Error("an API token with the read role is needed");
    }
    if (!r.ok) throw new Error(path + " answered " + r.status);
    return r.json();
  }

  function setUpTokenForm() {
    const form = document.getElementById("token-form");
    form.hidden = !sessionStorage.getItem(TOKEN_KEY);
    form.addEventListener("submit", ev => {
      ev.preventDefault();
      const input = document.getElementById("token");
      if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      else sessionStorage.removeItem(TOKEN_KEY);
      input.value = "";
      input.placeholder = sessionStorage.getItem(TOKEN_KEY) ? "token set for this tab" : "API token";
      tick();
    });
  }

  function edgeState(e) {
    if (e.ioState === "stopped" || e.sqlState === "stopped") return "broken";
    if (e.ioState === "connecting") return "connecting";
    return "ok";
  }

  function edgeText(e) {
    const parts = [];
    if (e.channel) parts.push("channel " + e.channel);
    if (e.ioState === "stopped") parts.push("IO stopped");
    else if (e.ioState === "connecting") parts.push("IO connecting");
    if (e.sqlState === "stopped") parts.push("SQL stopped");
    if (e.ioState === "running" && e.sqlState === "running") {
      parts.push(e.secondsBehindSource === null || e.secondsBehindSource === undefined ? "lag unknown"
        : "lag " + e.secondsBehindSource + " s");
    }
    return parts.join(" · ");
  }

  // Rows by replication depth: instances nobody in the cluster feeds on top, each replica one row
  // below its deepest source; sources outside the cluster sit on the top row, drawn dashed.
  function layout(detail) {
    const nodes = new Map();
    detail.instances.forEach(i => nodes.set(i.instance, { id: i.instance, view: i, external: false }));
    detail.edges.forEach(e => {
      if (!nodes.has(e.source)) nodes.set(e.source, { id: e.source, view: null, external: true });
    });
    const depth = new Map([...nodes.keys()].map(k => [k, 0]));
    for (let round = 0; round < nodes.size; round++) {
      let changed = false;
      detail.edges.forEach(e => {
        if (!nodes.get(e.source).external && e.source !== e.replica) {
          const d = depth.get(e.source) + 1;
          if (d > depth.get(e.replica) && d < nodes.size) { depth.set(e.replica, d); changed = true; }
        }
      });
      if (!changed) break;
    }
    const rows = [];
    [...nodes.values()].sort((a, b) => (a.external - b.external) || a.id.localeCompare(b.id)).forEach(n => {
      const d = depth.get(n.id);
      (rows[d] = rows[d] || []).push(n);
    });
    const width = Math.max(...rows.map(r => (r || []).length)) * (NODE_W + GAP_X) - GAP_X + 2 * PAD;
    rows.forEach((row, d) => (row || []).forEach((n, i) => {
      const rowWidth = row.length * (NODE_W + GAP_X) - GAP_X;
      n.x = (width - rowWidth) / 2 + i * (NODE_W + GAP_X);
      n.y = PAD + d * (NODE_H + GAP_Y);
    }));
    return { nodes, width, height: PAD * 2 + rows.length * (NODE_H + GAP_Y) - GAP_Y };
  }

  function drawGraph(detail) {
    const g = document.getElementById("graph");
    g.replaceChildren();
    if (!detail.instances.length) return;
    const { nodes, width, height } = layout(detail);
    g.setAttribute("width", width);
    g.setAttribute("height", height);
    g.setAttribute("viewBox", "0 0 " + width + " " + height);
    const alerting = new Set(detail.firingAlerts.map(a => a.labels.instance));
    const pairs = new Map();
    detail.edges.forEach(e => {
      const key = e.source + ">" + e.replica;
      const idx = pairs.get(key) || 0;
      pairs.set(key, idx + 1);
      const s = nodes.get(e.source), r = nodes.get(e.replica);
      const x1 = s.x + NODE_W / 2, y1 = s.y + NODE_H, x2 = r.x + NODE_W / 2, y2 = r.y;
      // several channels between one pair bow apart; a source below its replica (a loop) curves round
      const bow = (idx % 2 ? 1 : -1) * Math.ceil(idx / 2) * 60 + (y2 <= y1 ? 160 : 0);
      const cx = (x1 + x2) / 2 + bow, cy = (y1 + y2) / 2;
      const state = edgeState(e);
      const group = svg("g", { class: "edge " + state + (e.inCluster ? "" : " external"),
        "data-replica": e.replica, "data-source": e.source, "data-channel": e.channel, "data-state": state });
      group.append(svg("title", {}, e.source + " → " + e.replica + (e.channel ? " (" + e.channel + ")" : "")));
      group.append(svg("path", { d: `M${x1},${y1} Q${cx},${cy} ${x2},${y2}`, "marker-end": "url(#arrow-" + state + ")" }));
      group.append(svg("text", { x: (x1 + 2 * cx + x2) / 4 + 6, y: (y1 + 2 * cy + y2) / 4, class: "edge-label" }, edgeText(e)));
      g.append(group);
    });
    const defs = svg("defs");
    [["ok", "var(--ok)"], ["connecting", "var(--connecting)"], ["broken", "var(--broken)"]].forEach(([k, c]) => {
      const m = svg("marker", { id: "arrow-" + k, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
      m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", style: "fill:" + c }));
      defs.append(m);
    });
    g.prepend(defs);
    nodes.forEach(n => {
      const v = n.view, st = v && v.status;
      const classes = ["node"];
      if (n.external) classes.push("external");
      if (alerting.has(n.id)) classes.push("alerting");
      if (st && !st.reachable) classes.push("unreachable");
      const group = svg("g", { class: classes.join(" "), transform: `translate(${n.x},${n.y})`, "data-instance": n.id });
      group.append(svg("rect", { width: NODE_W, height: NODE_H }));
      const labels = v ? Object.entries(v.labels || {}).map(([k, val]) => k + "=" + val).join(" ") : "";
      group.append(svg("text", { x: 10, y: 18, class: "id" }, n.id + (labels ? "  " + labels : "")));
      if (n.external) {
        group.append(svg("text", { x: 10, y: 36 }, "not an instance of this cluster"));
      } else {
        const expected = v.expectedRole || "no expected role";
        const mismatch = v.expectedRole && v.observedRole !== "unknown" && v.expectedRole !== v.observedRole;
        const roles = svg("text", { x: 10, y: 36, class: "roles" + (mismatch ? " mismatch" : "") },
          "expected " + expected + " · observed " + v.observedRole);
        group.append(roles);
        let third = "not polled yet";
        if (st && st.reachable) {
          third = [st.flavor, st.version, "server_id " + st.serverId, st.readOnly === false ? "writable" : "read-only"].join(" · ");
        } else if (st) {
          third = "unreachable: " + (st.error ? st.error["class"] || "" : "");
        }
        group.append(svg("text", { x: 10, y: 54, class: "muted" }, third));
      }
      g.append(group);
    });
  }

  function labelsCell(labels) {
    const skip = new Set(["alertname", "cluster", "instance", "severity"]);
    return el("td", {}, Object.entries(labels).filter(([k, v]) => !skip.has(k) && v !== "")
      .map(([k, v]) => el("code", { class: "label" }, k + "=" + v)));
  }

  function evidenceCell(a) {
    const ev = a.evidence || {};
    const list = el("dl", { class: "evidence" }, Object.entries(ev).flatMap(([k, v]) =>
      [el("dt", {}, k), el("dd", {}, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))]));
    const summary = (a.annotations && a.annotations.summary) || a.labels.alertname;
    return el("td", { class: "evidence" }, el("details", { open: a.status === "firing" ? "" : null }, el("summary", {}, summary),
      el("p", {}, (a.annotations && a.annotations.description) || ""), list));
  }

  function when(t) {
    return t ? new Date(t).toLocaleString() : "";
  }

  function alertRow(a) {
    const runbook = a.annotations && a.annotations.runbook_url;
    return el("tr", { "data-alertname": a.labels.alertname, "data-instance": a.labels.instance, "data-status": a.status },
      el("td", {}, a.labels.alertname),
      el("td", { class: "sev-" + a.labels.severity }, a.labels.severity),
      el("td", {}, a.labels.instance || ""),
      labelsCell(a.labels),
      el("td", {}, a.status === "firing" ? when(a.startsAt) : when(a.startsAt) + " – " + when(a.endsAt)),
      evidenceCell(a),
      el("td", {}, runbook ? el("a", { href: runbook, class: "runbook", target: "_blank", rel: "noopener" }, "runbook") : ""));
  }

  function fillTable(id, alerts, empty) {
    const body = document.querySelector("#" + id + " tbody");
    body.replaceChildren(...(alerts.length ? alerts.map(alertRow) : [el("tr", {}, el("td", { colspan: 7, class: "empty" }, empty))]));
  }

  function drawClusters(clusters) {
    const ul = document.getElementById("clusters");
    ul.replaceChildren(...clusters.map(c => el("li", {}, el("a", {
      href: "#" + encodeURIComponent(c.cluster), class: c.cluster === selected ? "selected" : null, "data-cluster": c.cluster
    }, el("span", {}, c.cluster), el("span", { class: "badge" + (c.firingAlerts ? " firing" : "") },
      c.firingAlerts ? c.firingAlerts + " firing" : c.instances + " ok")))));
  }

  async function refresh() {
    try {
      const clusters = await getJson("/api/clusters");
      const wanted = decodeURIComponent(location.hash.slice(1));
      selected = clusters.some(c => c.cluster === wanted) ? wanted : (clusters[0] || {}).cluster || null;
      drawClusters(clusters);
      if (selected) {
        const q = encodeURIComponent(selected);
        const [detail, alerts] = await Promise.all([getJson("/api/clusters/" + q), getJson("/api/alerts?cluster=" + q)]);
        document.getElementById("cluster-name").textContent = detail.cluster;
        document.getElementById("cluster-primary").textContent = detail.primary
          ? "observed primary " + detail.primary : "no primary observed";
        drawGraph(detail);
        fillTable("firing", alerts.filter(a => a.status === "firing"), "nothing firing");
        fillTable("resolved", alerts.filter(a => a.status === "resolved"), "nothing resolved recently");
      }
      document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
      document.body.dataset.state = "live";
    } catch (e) {
      document.getElementById("updated").textContent = "API unreachable (" + e.message + "), retrying";
      document.body.dataset.state = "stale";
    }
  }

  // One refresh at a time; another cluster chosen shows at once rather than at the next poll.
  async function tick() {
    clearTimeout(timer);
    if (busy) { again = true; return; }
    busy = true;
    await refresh();
    busy = false;
    timer = setTimeout(tick, again ? 0 : POLL_MS);
    again = false;
  }

  window.addEventListener("hashchange", tick);
  setUpTokenForm();
  tick();
})();
