// decodesim report renderer. The page embeds its data as JSON (script#data); this file draws
// every chart from it with inline SVG or canvas, so the page works offline and requests nothing.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const BOUND_COLOURS = {
  memory: "#1f77b4", compute: "#d62728", weight_load: "#9467bd", vector: "#2ca02c", link: "#ff7f0e",
  latency: "#8c564b", overhead: "#7f7f7f", pipeline: "#e377c2", sram: "#17becf"
};
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#393b79", "#ad494a"];

function boundColour(b) { return BOUND_COLOURS[b] || PALETTE[hash(b || "") % PALETTE.length]; }
function hash(s) { let h = 7; for (let i = 0; i < s.length; ++i) h = (h * 31 + s.charCodeAt(i)) >>> 0; return h; }

// ---------- DOM helpers ----------
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of kids) if (c !== null && c !== undefined) e.append(c);
  return e;
}
function sv(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}
function section(title, id) {
  const s = el("section", { id: id || "" }, el("h2", { text: title }));
  document.querySelector("main").append(s);
  return s;
}

// ---------- number formatting ----------
function si(v, unit, digits) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const d = digits === undefined ? 3 : digits;
  const a = Math.abs(v);
  const pre = [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [s, p] of pre) if (a >= s) return (v / s).toPrecision(d) + " " + p + (unit || "");
  if (a >= 1 || a === 0) return v.toPrecision(d) + (unit ? " " + unit : "");
  return v.toPrecision(d) + (unit ? " " + unit : "");
}
function secs(s) {
  if (!isFinite(s)) return "–";
  const a = Math.abs(s);
  if (a === 0) return "0 s";
  if (a < 1e-6) return (s * 1e9).toFixed(1) + " ns";
  if (a < 1e-3) return (s * 1e6).toFixed(2) + " µs";
  if (a < 1) return (s * 1e3).toFixed(3) + " ms";
  return s.toFixed(3) + " s";
}
function pct(x) { return isFinite(x) ? (100 * x).toFixed(1) + "%" : "–"; }
function num(v) { return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : String(v); }

// ---------- tooltip (one for the page; any element with data-tip shows it) ----------
function setupTooltip() {
  const tip = el("div", { id: "tip" });
  document.body.append(tip);
  document.addEventListener("mousemove", ev => {
    const t = ev.target.closest ? ev.target.closest("[data-tip]") : null;
    if (!t) { if (!tip.dataset.owner) tip.style.display = "none"; return; }
    showTip(ev.clientX, ev.clientY, t.getAttribute("data-tip"));
  });
}
function showTip(x, y, text) {
  const tip = document.getElementById("tip");
  tip.textContent = text;
  tip.style.display = "block";
  const w = tip.offsetWidth, h = tip.offsetHeight;
  tip.style.left = Math.min(x + 14, window.innerWidth - w - 4) + "px";
  tip.style.top = Math.min(y + 14, window.innerHeight - h - 4) + "px";
}
function hideTip() { document.getElementById("tip").style.display = "none"; }

// ---------- scales and axes ----------
function scale(d0, d1, r0, r1, log) {
  if (log) {
    const l0 = Math.log10(d0), l1 = Math.log10(d1);
    const f = v => r0 + (Math.log10(v) - l0) / (l1 - l0 || 1) * (r1 - r0);
    f.ticks = () => { const t = []; for (let e = Math.ceil(l0); e <= Math.floor(l1); ++e) t.push(Math.pow(10, e)); return t; };
    f.log = true; f.d0 = d0; f.d1 = d1;
    return f;
  }
  const f = v => r0 + (v - d0) / ((d1 - d0) || 1) * (r1 - r0);
  f.ticks = () => {
    const span = d1 - d0 || Math.abs(d0) || 1;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / 5)));
    const step = [1, 2, 5, 10].map(m => m * step0).find(s => span / s <= 7) || step0 * 10;
    const t = [];
    for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9; v += step) t.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return t;
  };
  f.log = false; f.d0 = d0; f.d1 = d1;
  return f;
}
function extent(vals, log) {
  let lo = Infinity, hi = -Infinity;
  for (const v of vals) if (isFinite(v) && (!log || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) return log ? [1, 10] : [0, 1];
  if (log) { return [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi * 1.0001)))]; }
  if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
  const pad = (hi - lo) * 0.05;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}
// A plot frame: axes, grid and labels; returns the scales and the group to draw into.
function frame(parent, o) {
  const W = o.width || 640, H = o.height || 380, m = { l: 70, r: 20, t: 24, b: 46 };
  const svg = sv("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: o.cls || "" }, parent);
  const x = scale(o.x[0], o.x[1], m.l, W - m.r, o.xlog), y = scale(o.y[0], o.y[1], H - m.b, m.t, o.ylog);
  const ax = sv("g", { class: "axis" }, svg);
  for (const t of x.ticks()) {
    sv("line", { x1: x(t), x2: x(t), y1: m.t, y2: H - m.b, class: "grid" }, ax);
    sv("text", { x: x(t), y: H - m.b + 14, "text-anchor": "middle", text: o.xfmt ? o.xfmt(t) : si(t, "", 3) }, ax);
  }
  for (const t of y.ticks()) {
    sv("line", { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t), class: "grid" }, ax);
    sv("text", { x: m.l - 5, y: y(t) + 4, "text-anchor": "end", text: o.yfmt ? o.yfmt(t) : si(t, "", 3) }, ax);
  }
  sv("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, fill: "none", stroke: "#999" }, ax);
  sv("text", { x: (m.l + W - m.r) / 2, y: H - 8, "text-anchor": "middle", text: o.xlabel || "" }, ax);
  sv("text", { x: 14, y: (m.t + H - m.b) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(m.t + H - m.b) / 2})`,
    text: o.ylabel || "" }, ax);
  if (o.title) sv("text", { x: m.l, y: 15, text: o.title, "font-weight": "600" }, ax);
  const g = sv("g", {}, svg);
  return { svg, g, x, y, m, W, H };
}
function legend(parent, items) {
  const d = el("div", { class: "legend" });
  for (const [label, colour] of items) d.append(el("span", {}, el("span", { class: "sw", style: `background:${colour}` }), label));
  parent.append(d);
  return d;
}
function table(parent, headers, rows, opts) {
  const t = el("table", { class: (opts && opts.cls) || "" });
  const tr = el("tr");
  headers.forEach((h, i) => tr.append(el("th", { class: i === 0 ? "l" : "", text: h })));
  t.append(el("thead", {}, tr));
  const tb = el("tbody");
  for (const r of rows) {
    const row = el("tr");
    r.forEach((c, i) => row.append(el("td", { class: i === 0 || (opts && opts.left && opts.left.includes(i)) ? "l" : "", text: c })));
    tb.append(row);
  }
  t.append(tb);
  parent.append(t);
  return t;
}

// ---------- roofline (one point per kernel record) ----------
function shapeText(k) {
  const g = k.groups > 1 ? ` ×${k.groups}` : "";
  if (k.kind === "gemm") return `y[${k.m}×${k.n}] = x[${k.m}×${k.k}]·W[${k.k}×${k.n}]${g}`;
  if (k.kind === "attention") return `groups ${k.groups}, q/kv ${k.m}, head_dim ${k.k}, context ${k.n}`;
  return `m ${k.m}, n ${k.n}, k ${k.k}${g}`;
}
function drawRoofline(parent, res, opts) {
  const s = res.summary, peakF = s.peak_flops_per_chip, bw = s.peak_hbm_bw_bytes_per_s;
  const ks = res.kernels;
  const pts = ks.map(k => {
    const t = k.span_s > 0 ? k.span_s : k.time_s;
    return { k, I: k.bytes > 0 ? k.flops / k.bytes : Infinity, P: t > 0 ? k.flops / t : 0 };
  });
  const finiteI = pts.filter(p => isFinite(p.I) && p.I > 0).map(p => p.I);
  const ridge = peakF / bw;
  let [x0, x1] = extent(finiteI.concat([ridge / 10, ridge * 10]), true);
  let [y0, y1] = extent(pts.map(p => p.P).filter(v => v > 0).concat([peakF * 2]), true);
  if (y1 / y0 < 1e3) y0 = y1 / 1e3;
  const f = frame(parent, { width: (opts && opts.width) || 720, height: (opts && opts.height) || 430, x: [x0, x1], y: [y0, y1],
    xlog: true, ylog: true, xlabel: "arithmetic intensity (FLOP per main-memory byte)", ylabel: "achieved FLOP/s (per chip)",
    title: opts && opts.title, cls: "roofline" });
  const { g, x, y } = f;
  // Roofs: memory (bw × I) up to the ridge, then compute.
  const ridgeX = Math.min(Math.max(ridge, x0), x1);
  const memStart = Math.max(x0, y0 / bw);
  sv("path", { d: `M${x(memStart)},${y(bw * memStart)} L${x(ridgeX)},${y(Math.min(bw * ridgeX, peakF))} L${x(x1)},${y(peakF)}`,
    stroke: "#000", "stroke-width": 2, fill: "none", class: "roof" }, g);
  sv("text", { x: x(ridgeX) + 6, y: y(peakF) - 6, text: `compute roof ${si(peakF, "FLOP/s")}` }, g);
  sv("text", { x: x(memStart) + 6, y: y(bw * memStart) - 8, text: `memory roof ${si(bw, "B/s")}` }, g);
  let edge = 0;
  for (const p of pts) {
    const onFloor = !(p.P > 0), onEdge = !isFinite(p.I) || !(p.I > 0);
    if (onFloor || onEdge) ++edge;
    const cx = onEdge ? (isFinite(p.I) ? x0 : x1) : x(Math.min(Math.max(p.I, x0), x1));
    const cy = onFloor ? y(y0) : y(Math.min(Math.max(p.P, y0), y1));
    const k = p.k;
    const tip = `${k.name}  (${k.kind}, op ${k.op}, chip ${k.chip}, token ${k.token})\n` +
      `shape ${shapeText(k)}\ndtype weights ${k.weight_dtype}, activations ${k.act_dtype}, KV ${k.kv_dtype}\n` +
      `span ${secs(k.span_s)}, ${si(k.bytes, "B")}, ${si(k.flops, "FLOP")}\n` +
      `intensity ${isFinite(p.I) ? p.I.toPrecision(3) : "∞ (no memory bytes)"} FLOP/B, achieved ${si(p.P, "FLOP/s")}\n` +
      `bound ${k.bound}${k.reused ? " (reused)" : ""}`;
    sv("circle", { cx, cy, r: onFloor || onEdge ? 3 : 4, fill: boundColour(k.bound), "fill-opacity": 0.7,
      stroke: onFloor || onEdge ? "#000" : "none", class: "kpt", "data-tip": tip, "data-kernel": k.name }, g);
  }
  const bounds = [...new Set(ks.map(k => k.bound))];
  legend(parent, bounds.map(b => [b, boundColour(b)]));
  parent.append(el("div", { class: "note", text: `${pts.length} kernels, one point each (all chips and tokens). ` +
    "Achieved FLOP/s = FLOPs / span. " + (edge ? `${edge} kernels with no FLOPs sit on the bottom edge and kernels with no ` +
    "main-memory bytes (collectives) on the right edge, outlined." : "") }));
  return f;
}

// ---------- where the time went (per layer type, console categories) ----------
function drawLayers(parent, res) {
  const rows = res.layer_types || [];
  const tokenT = res.summary.token_latency_s;
  const bounds = [...new Set(rows.flatMap(r => Object.keys(r.time_by_bound_s)))];
  const W = 900, rowH = 22, m = { l: 110, r: 160, t: 10 };
  const H = m.t + rows.length * rowH + 30;
  const maxT = Math.max(...rows.map(r => r.time_per_token_s), 1e-30);
  const svg = sv("svg", { width: W, height: H, class: "layers" }, parent);
  rows.forEach((r, i) => {
    const yy = m.t + i * rowH;
    sv("text", { x: m.l - 6, y: yy + 15, "text-anchor": "end", text: r.op }, svg);
    let xx = m.l;
    for (const b of bounds) {
      const t = r.time_by_bound_s[b] || 0;
      if (!(t > 0)) continue;
      const w = t / maxT * (W - m.l - m.r);
      sv("rect", { x: xx, y: yy + 3, width: Math.max(w, 0.5), height: rowH - 6, fill: boundColour(b), class: "seg",
        "data-tip": `${r.op}: ${secs(t)} per token ${b}-bound (${pct(t / tokenT)} of the step)\n${r.where || ""}` }, svg);
      xx += w;
    }
    sv("text", { x: xx + 6, y: yy + 15, text: `${secs(r.time_per_token_s)}  ${pct(r.share)}` }, svg);
  });
  legend(parent, bounds.map(b => [b + "-bound", boundColour(b)]));
  const peakBW = res.summary.peak_hbm_bw_bytes_per_s, peakF = res.summary.peak_flops_per_chip;
  table(parent, ["layer type", "count", "time/token", "share", "bytes/token", "FLOP/token", "mem BW", "%peak", "%comp",
    "bound", "where the matrix-unit time went"], rows.map(r => {
    const bw = r.time_per_token_s > 0 ? r.bytes_per_token / r.time_per_token_s : 0;
    const comp = r.time_per_token_s > 0 ? r.flops_per_token / (r.time_per_token_s * peakF) : 0;
    return [r.op, String(r.count), secs(r.time_per_token_s), pct(r.share), si(r.bytes_per_token, "B"), si(r.flops_per_token, ""),
      si(bw, "B/s"), pct(bw / peakBW), pct(comp), r.bound, r.where || ""];
  }), { left: [9, 10] });
  const part = res.summary.time_per_token_breakdown;
  if (part) {
    parent.append(el("div", { class: "note", text: "Exclusive-time partition of one step (the console's \"where the time goes\"):" }));
    const keys = Object.keys(part);
    const svg2 = sv("svg", { width: W, height: 40, class: "partition" }, parent);
    let xx = 0;
    const total = keys.reduce((a, k) => a + part[k], 0) || 1;
    keys.forEach((k, i) => {
      const w = part[k] / total * W;
      sv("rect", { x: xx, y: 4, width: Math.max(w, 0), height: 24, fill: PALETTE[i % PALETTE.length],
        "data-tip": `${k.replace(/_s$/, "")}: ${secs(part[k])} (${pct(part[k] / tokenT)})` }, svg2);
      xx += w;
    });
    legend(parent, keys.map((k, i) => [`${k.replace(/_s$/, "")} ${secs(part[k])}`, PALETTE[i % PALETTE.length]]));
  }
}

// ---------- energy per token ----------
const ENERGY_KEYS = [["hbm_j", "memory"], ["sram_j", "SRAM"], ["mac_j", "MAC"], ["vector_j", "vector"], ["link_j", "links"],
  ["static_j", "static"]];
function drawEnergy(parent, res) {
  const sc = res.scenario, n = (sc.tokens || 1) * (sc.batch || 1), e = res.energy;
  const total = ENERGY_KEYS.reduce((a, [k]) => a + (e[k] || 0), 0) || 1;
  const W = 900, svg = sv("svg", { width: W, height: 40, class: "energy" }, parent);
  let xx = 0;
  ENERGY_KEYS.forEach(([k, label], i) => {
    const w = (e[k] || 0) / total * W;
    sv("rect", { x: xx, y: 4, width: Math.max(w, 0), height: 26, fill: PALETTE[i], class: "eseg",
      "data-tip": `${label}: ${((e[k] || 0) / n).toPrecision(4)} J per token (${pct((e[k] || 0) / total)})` }, svg);
    xx += w;
  });
  legend(parent, ENERGY_KEYS.map(([k, label], i) => [label, PALETTE[i]]));
  table(parent, ["part", "J per token", "share"], ENERGY_KEYS.map(([k, label]) =>
    [label, ((e[k] || 0) / n).toPrecision(4), pct((e[k] || 0) / total)]).concat([["total", (total / n).toPrecision(4), "100%"]]));
  parent.append(el("div", { class: "note", text: `Per generated token: the run's energy / (${sc.tokens} tokens × batch ${sc.batch}).` }));
}

// ---------- summary ----------
function cards(parent, items) {
  const d = el("div", { class: "cards" });
  for (const [label, value] of items) d.append(el("div", { class: "card" }, el("div", { class: "v", text: value }), el("div", { class: "l", text: label })));
  parent.append(d);
}
function drawSummary(parent, res) {
  const s = res.summary;
  cards(parent, [["time per token", secs(s.token_latency_s)], ["tokens/s per user", s.tokens_per_s_per_user.toFixed(1)],
    ["tokens/s total", s.tokens_per_s.toFixed(1)], ["simulated / roofline", s.roofline_ratio.toFixed(3)],
    ["energy per token", s.energy_per_token_j.toPrecision(3) + " J"],
    ["memory BW per chip", `${si(s.achieved_hbm_bw_bytes_per_s, "B/s")} (${pct(s.achieved_hbm_bw_bytes_per_s / s.peak_hbm_bw_bytes_per_s)})`],
    ["bottleneck", s.bottleneck]]);
  const rows = Object.entries(s).filter(([k, v]) => typeof v !== "object").map(([k, v]) => [k, num(v)]);
  const fields = el("details", {}, el("summary", { text: "Every summary field (as in result.json)" }));
  table(fields, ["summary field", "value"], rows, { left: [1] });
  parent.append(fields);
  const notes = res.notes || [];
  if (notes.length) {
    parent.append(el("h3", { text: "Notes and warnings" }));
    const ul = el("ul", { class: "notes" });
    for (const n of notes) ul.append(el("li", { class: /warn|exceed|not fit|clamp/i.test(n) ? "warn" : "", text: n }));
    parent.append(ul);
  }
  const det = el("details", {}, el("summary", { text: "Resolved config (every key, defaults included)" }),
    el("pre", { text: JSON.stringify({ system: res.system, model: res.model, scenario: res.scenario, config: res.config }, null, 1) }));
  parent.append(det);
}

// ---------- timeline (canvas; same events as the Perfetto trace) ----------
function drawTimeline(parent, tl) {
  if (!tl || !tl.tracks || !tl.tracks.length) {
    parent.append(el("div", { class: "note", text: "No timeline: this run has no trace events." }));
    return;
  }
  if (tl.downsampled) parent.append(el("div", { class: "note warn", text: tl.downsampled }));
  parent.append(el("div", { class: "note", text: "Wheel: zoom at the pointer. Drag: pan. Double-click: whole run. Hover a slice for its name and time." }));
  const ctrl = el("div", { class: "controls" });
  const reset = el("button", { text: "whole run", type: "button" });
  ctrl.append(reset);
  const range = el("span", { class: "note" });
  ctrl.append(range);
  parent.append(ctrl);
  const rows = [];  // {label, track} or {label, counter}
  const chips = [...new Set(tl.tracks.map(t => t.chip).concat(tl.counters.map(c => c.chip)))].sort((a, b) => a - b);
  for (const c of chips) {
    for (const t of tl.tracks.filter(t => t.chip === c)) rows.push({ label: `chip ${c} ${t.name}`, track: t, h: 18 });
    for (const k of tl.counters.filter(k => k.chip === c)) rows.push({ label: `chip ${c} ${k.name}`, counter: k, h: 44 });
  }
  const labelW = 170, W = Math.max(700, (parent.clientWidth || 1000) - 40);
  const H = rows.reduce((a, r) => a + r.h + 2, 0) + 26;
  const cv = el("canvas", { class: "timeline", id: "timeline", width: W, height: H });
  parent.append(cv);
  const ctx = cv.getContext("2d");
  const U = tl.unit || 1;  // seconds per time unit of the timeline data (picoseconds)
  let v0 = tl.t0, v1 = tl.t1;
  const plotW = W - labelW;
  const tx = t => labelW + (t - v0) / (v1 - v0) * plotW;
  function lowerBound(arr, stride, t) { // first slice index whose end >= t
    let lo = 0, hi = arr.length / stride;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid * stride] + arr[mid * stride + 1] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function draw() {
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px system-ui, sans-serif";
    let y = 2;
    for (const r of rows) {
      ctx.fillStyle = "#333";
      ctx.fillText(r.label, 4, y + Math.min(r.h, 18) - 5);
      ctx.fillStyle = "#f4f4f4";
      ctx.fillRect(labelW, y, plotW, r.h);
      if (r.track) {
        const s = r.track.s;
        for (let i = lowerBound(s, 3, v0); i * 3 < s.length; ++i) {
          const a = s[i * 3], d = s[i * 3 + 1];
          if (a > v1) break;
          const x0 = Math.max(labelW, tx(a)), x1 = Math.min(W, tx(a + d));
          ctx.fillStyle = PALETTE[hash(tl.names[s[i * 3 + 2]].replace(/^L\d+\./, "")) % PALETTE.length];
          ctx.fillRect(x0, y + 1, Math.max(x1 - x0, 1), r.h - 2);
        }
      } else {
        const k = r.counter, n = k.t.length;
        let mx = 0;
        for (let i = 0; i < n; ++i) mx = Math.max(mx, k.v[i]);
        ctx.fillStyle = "rgba(31,119,180,.55)";
        ctx.beginPath();
        ctx.moveTo(labelW, y + r.h);
        for (let i = 0; i < n; ++i) {
          const xa = tx(k.t[i]), xb = i + 1 < n ? tx(k.t[i + 1]) : tx(tl.t1);
          if (xb < labelW || xa > W) continue;
          const yy = y + r.h - (mx > 0 ? k.v[i] / mx : 0) * (r.h - 2);
          ctx.lineTo(Math.max(labelW, xa), yy);
          ctx.lineTo(Math.min(W, xb), yy);
        }
        ctx.lineTo(W, y + r.h);
        ctx.closePath();
        ctx.fill();
        ctx.fillStyle = "#333";
        ctx.fillText(`max ${mx.toPrecision(4)}`, W - 90, y + 11);
      }
      r.y = y;
      y += r.h + 2;
    }
    ctx.fillStyle = "#333";
    const sc = scale(v0 * U, v1 * U, labelW, W, false);
    for (const t of sc.ticks()) { ctx.fillText(secs(t), sc(t) + 2, H - 8); ctx.fillRect(sc(t), H - 22, 1, 6); }
    range.textContent = `showing ${secs(v0 * U)} – ${secs(v1 * U)} of ${secs((tl.t1 - tl.t0) * U)}`;
  }
  function zoom(cx, f) {
    const t = v0 + (cx - labelW) / plotW * (v1 - v0);
    let n0 = t - (t - v0) * f, n1 = t + (v1 - t) * f;
    const minSpan = 100;
    if (n1 - n0 < minSpan) return;
    v0 = Math.max(tl.t0, n0); v1 = Math.min(tl.t1, n1);
    draw();
  }
  cv.addEventListener("wheel", ev => { ev.preventDefault(); zoom(ev.offsetX, ev.deltaY > 0 ? 1.25 : 0.8); }, { passive: false });
  let drag = null;
  cv.addEventListener("mousedown", ev => { drag = { x: ev.offsetX, v0, v1 }; });
  window.addEventListener("mouseup", () => { drag = null; });
  cv.addEventListener("mousemove", ev => {
    if (drag) {
      const dt = (ev.offsetX - drag.x) / plotW * (drag.v1 - drag.v0);
      const span = drag.v1 - drag.v0;
      v0 = Math.min(Math.max(tl.t0, drag.v0 - dt), tl.t1 - span); v1 = v0 + span;
      draw();
      return;
    }
    const r = rows.find(r => ev.offsetY >= r.y && ev.offsetY < r.y + r.h);
    const t = v0 + (ev.offsetX - labelW) / plotW * (v1 - v0);
    if (!r || ev.offsetX < labelW) { hideTip(); return; }
    if (r.track) {
      const s = r.track.s, eps = (v1 - v0) / plotW;
      const i = lowerBound(s, 3, t - eps);
      if (i * 3 < s.length && s[i * 3] <= t + eps)
        showTip(ev.clientX, ev.clientY, `${tl.names[s[i * 3 + 2]]}\n${r.label}\nstart ${secs(s[i * 3] * U)}, duration ${secs(s[i * 3 + 1] * U)}`);
      else hideTip();
    } else {
      const k = r.counter;
      let i = 0;
      while (i + 1 < k.t.length && k.t[i + 1] <= t) ++i;
      showTip(ev.clientX, ev.clientY, `${r.label}\nat ${secs(t * U)}: ${k.v.length ? k.v[i].toPrecision(4) : "–"}`);
    }
  });
  cv.addEventListener("mouseleave", hideTip);
  cv.addEventListener("dblclick", () => { v0 = tl.t0; v1 = tl.t1; draw(); });
  reset.addEventListener("click", () => { v0 = tl.t0; v1 = tl.t1; draw(); });
  draw();
}

// ---------- pages ----------
function header(title, sub) {
  document.querySelector("header").append(el("h1", { text: title }), el("div", { class: "sub", text: sub }));
}
function runTitle(r) {
  const sc = r.scenario;
  return `${r.system.name} (${r.system.arch}, ${r.system.chips} chip${r.system.chips === 1 ? "" : "s"}) · ${r.model.name} · batch ${sc.batch}` +
    ` · context ${sc.context} · tokens ${sc.tokens} · weights ${sc.weight_dtype}`;
}
function renderRun(D) {
  const r = D.result;
  header(D.title || "decodesim run", runTitle(r) + ` · decodesim ${r.version.decodesim}`);
  drawSummary(section("Summary", "summary"), r);
  drawRoofline(section("Roofline", "roofline"), r);
  drawTimeline(section("Timeline", "timeline-section"), D.timeline);
  drawLayers(section("Where the time went, per layer type (per token)", "layers"), r);
  drawEnergy(section("Energy per token", "energy"), r);
}

function hbars(parent, title, items, fmt) {
  const W = 700, rowH = 22, m = { l: 170, r: 110 };
  const svg = sv("svg", { width: W, height: items.length * rowH + 24, class: "hbars" }, parent);
  sv("text", { x: 0, y: 12, text: title, "font-weight": "600" }, svg);
  const mx = Math.max(...items.map(i => i[1]).filter(v => isFinite(v)), 1e-30);
  items.forEach(([label, v], i) => {
    const y = 18 + i * rowH;
    sv("text", { x: m.l - 6, y: y + 14, "text-anchor": "end", text: label }, svg);
    const w = isFinite(v) ? v / mx * (W - m.l - m.r) : 0;
    sv("rect", { x: m.l, y: y + 3, width: Math.max(w, 0), height: rowH - 6, fill: PALETTE[i % PALETTE.length], "data-tip": `${label}: ${fmt(v)}` }, svg);
    sv("text", { x: m.l + w + 6, y: y + 14, text: fmt(v) }, svg);
  });
}
function renderCompare(D) {
  header(D.title || "decodesim compare", `${D.model} · ${D.runs.length} systems · decodesim ${D.version}`);
  const ok = D.runs.filter(r => r.result);
  const s1 = section("Side by side", "compare-table");
  const rows = [
    ["chips", r => String(r.system.chips)], ["time/token", r => secs(r.summary.token_latency_s)],
    ["tokens/s per user", r => r.summary.tokens_per_s_per_user.toFixed(1)], ["tokens/s total", r => r.summary.tokens_per_s.toFixed(1)],
    ["roofline/token", r => secs(r.summary.roofline_latency_s)], ["sim/roofline", r => r.summary.roofline_ratio.toFixed(3)],
    ["energy/token", r => r.summary.energy_per_token_j.toPrecision(3) + " J"],
    ["mem bytes/token/chip", r => si(r.summary.hbm_bytes_per_token_per_chip, "B")],
    ["achieved mem BW/chip", r => si(r.summary.achieved_hbm_bw_bytes_per_s, "B/s")],
    ["peak mem BW/chip", r => si(r.summary.peak_hbm_bw_bytes_per_s, "B/s")], ["bottleneck", r => r.summary.bottleneck]];
  table(s1, ["", ...D.runs.map(r => r.label)], rows.map(([l, f]) => [l, ...D.runs.map(r => r.result ? f(r.result) : "failed")]));
  for (const r of D.runs.filter(r => !r.result)) s1.append(el("div", { class: "note warn", text: `${r.label}: ${r.error}` }));
  const s2 = section("Headline figures", "compare-bars");
  hbars(s2, "tokens/s per user", ok.map(r => [r.label, r.result.summary.tokens_per_s_per_user]), v => v.toFixed(1));
  hbars(s2, "tokens/s total", ok.map(r => [r.label, r.result.summary.tokens_per_s]), v => v.toFixed(1));
  hbars(s2, "energy per token (J)", ok.map(r => [r.label, r.result.summary.energy_per_token_j]), v => v.toPrecision(3) + " J");
  const s3 = section("Roofline per system", "rooflines");
  const wrap = el("div", { class: "small-multiples" });
  s3.append(wrap);
  for (const r of ok) { const d = el("div"); wrap.append(d); drawRoofline(d, r.result, { width: 560, height: 360, title: r.label }); }
  for (const r of ok) drawLayers(section(`Where the time went: ${r.label}`, ""), r.result);
  for (const r of ok) drawEnergy(section(`Energy per token: ${r.label}`, ""), r.result);
}

// ---------- sweep report ----------
function renderSweep(D) {
  header(`sweep ${D.name}`, `${D.rows.length} of ${D.points} points recorded · ${D.dir}`);
  const cols = [...D.param_keys.map(k => ({ key: k, group: "params" })), ...D.columns.map(k => ({ key: k, group: "metrics" }))];
  const val = (r, c) => (r[c.group] || {})[c.key];
  const numeric = cols.filter(c => D.rows.some(r => typeof val(r, c) === "number"));
  // Sortable table of every point.
  const s1 = section("All points (click a column to sort)", "sweep-table");
  const t = el("table", { id: "points" });
  const head = el("tr");
  const hdrs = ["id", "status", ...cols.map(c => c.key)];
  hdrs.forEach((h, i) => head.append(el("th", { class: "sortable" + (i < 2 ? " l" : ""), text: h, "data-col": i })));
  t.append(el("thead", {}, head));
  const tb = el("tbody");
  t.append(tb);
  const cells = D.rows.map(r => [r.id, r.status, ...cols.map(c => val(r, c))]);
  let sortCol = -1, asc = true;
  function fill() {
    tb.textContent = "";
    for (const row of cells) {
      const tr = el("tr");
      row.forEach((c, i) => tr.append(el("td", { class: (i < 2 || typeof c !== "number" ? "l" : "") + (i === 1 && c !== "ok" ? " bad" : ""),
        text: c === undefined || c === null ? "" : num(c) })));
      tb.append(tr);
    }
  }
  head.addEventListener("click", ev => {
    const i = Number(ev.target.getAttribute("data-col"));
    if (isNaN(i)) return;
    asc = sortCol === i ? !asc : true; sortCol = i;
    cells.sort((a, b) => {
      const x = a[i], y = b[i];
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
    fill();
  });
  fill();
  s1.append(t);
  for (const r of D.rows.filter(r => r.status !== "ok")) s1.append(el("div", { class: "note warn", text: `${r.id}: ${r.status}: ${r.error}` }));
  const ok = D.rows.filter(r => r.status === "ok");

  const select = (label, options, initial) => {
    const s = el("select", {});
    for (const o of options) s.append(el("option", { value: o, text: o }));
    if (initial !== undefined) s.value = initial;
    return [el("label", { text: label + " " }, s), s];
  };
  // Chosen-axis line plots.
  const s2 = section("Line plot: a metric against an axis, one line per value of a second axis", "sweep-lines");
  const names = numeric.map(c => c.key);
  const byName = k => cols.find(c => c.key === k);
  // Defaults: x is the parameter with the most values (often the batch), one line per value of
  // the next parameter that varies; zipped axes then still give lines, not vertical stacks.
  const distinct = k => new Set(D.rows.map(r => JSON.stringify((r.params || {})[k]))).size;
  const params = D.param_keys.filter(k => names.includes(k)).sort((a, b) => distinct(b) - distinct(a));
  const [lx, sx] = select("x", names, params[0] || names[0]);
  const [ly, sy] = select("y", names, D.columns.find(k => names.includes(k)) || names[0]);
  const [ls, ss] = select("one line per", ["(none)", ...D.param_keys],
    D.param_keys.find(k => k !== sx.value && distinct(k) > 1) || "(none)");
  const xlog = el("input", { type: "checkbox" }), ylog = el("input", { type: "checkbox" });
  const ctl = el("div", { class: "controls" }, lx, ly, ls, el("label", {}, xlog, " log x"), el("label", {}, ylog, " log y"));
  const plot = el("div", {});
  s2.append(ctl, plot);
  function drawLines() {
    plot.textContent = "";
    const cx = byName(sx.value), cy = byName(sy.value);
    const series = new Map();
    for (const r of ok) {
      const xv = val(r, cx), yv = val(r, cy);
      if (typeof xv !== "number" || typeof yv !== "number") continue;
      const key = ss.value === "(none)" ? "all" : JSON.stringify(r.params[ss.value]);
      if (!series.has(key)) series.set(key, []);
      series.get(key).push([xv, yv, r]);
    }
    const all = [...series.values()].flat();
    const f = frame(plot, { width: 760, height: 400, x: extent(all.map(p => p[0]), xlog.checked), y: extent(all.map(p => p[1]), ylog.checked),
      xlog: xlog.checked, ylog: ylog.checked, xlabel: cx.key, ylabel: cy.key, cls: "lineplot" });
    let i = 0;
    const items = [];
    for (const [key, pts] of series) {
      pts.sort((a, b) => a[0] - b[0]);
      const colour = PALETTE[i++ % PALETTE.length];
      const good = pts.filter(p => (!xlog.checked || p[0] > 0) && (!ylog.checked || p[1] > 0));
      sv("path", { d: good.map((p, j) => `${j ? "L" : "M"}${f.x(p[0])},${f.y(p[1])}`).join(" "), stroke: colour, fill: "none",
        "stroke-width": 2, class: "series", "data-series": key }, f.g);
      for (const p of good) sv("circle", { cx: f.x(p[0]), cy: f.y(p[1]), r: 3.5, fill: colour,
        "data-tip": `${p[2].id}\n${cx.key} ${num(p[0])}\n${cy.key} ${num(p[1])}\n${JSON.stringify(p[2].params)}` }, f.g);
      items.push([ss.value === "(none)" ? "all points" : `${ss.value} = ${key}`, colour]);
    }
    legend(plot, items);
  }
  for (const c of [sx, sy, ss, xlog, ylog]) c.addEventListener("change", drawLines);
  drawLines();

  // Pareto front of any two columns.
  const s3 = section("Pareto front of two columns", "sweep-pareto");
  const metricNames = D.columns.filter(k => names.includes(k));
  const [px, spx] = select("x", names, metricNames[0] || names[0]);
  const [pxd, spxd] = select("", ["max", "min"], "max");
  const [py, spy] = select("y", names, metricNames[1] || metricNames[0] || names[0]);
  const [pyd, spyd] = select("", ["max", "min"], /energy|latency|_s$|_j$/.test(metricNames[1] || "") ? "min" : "max");
  s3.append(el("div", { class: "controls" }, px, pxd, py, pyd));
  const pplot = el("div", {});
  s3.append(pplot);
  function drawPareto() {
    pplot.textContent = "";
    const cx = byName(spx.value), cy = byName(spy.value);
    const gx = spxd.value === "max" ? 1 : -1, gy = spyd.value === "max" ? 1 : -1;
    const pts = ok.map(r => [val(r, cx), val(r, cy), r]).filter(p => typeof p[0] === "number" && typeof p[1] === "number");
    const front = pts.filter(p => !pts.some(q => gx * q[0] >= gx * p[0] && gy * q[1] >= gy * p[1] &&
      (gx * q[0] > gx * p[0] || gy * q[1] > gy * p[1])));
    front.sort((a, b) => a[0] - b[0]);
    const f = frame(pplot, { width: 760, height: 400, x: extent(pts.map(p => p[0])), y: extent(pts.map(p => p[1])),
      xlabel: `${cx.key} (${spxd.value})`, ylabel: `${cy.key} (${spyd.value})`, cls: "pareto" });
    for (const p of pts) sv("circle", { cx: f.x(p[0]), cy: f.y(p[1]), r: 3, fill: "#999",
      "data-tip": `${p[2].id}\n${JSON.stringify(p[2].params)}` }, f.g);
    sv("path", { d: front.map((p, j) => `${j ? "L" : "M"}${f.x(p[0])},${f.y(p[1])}`).join(" "), stroke: "#d62728", fill: "none",
      "stroke-width": 2, class: "front" }, f.g);
    for (const p of front) sv("circle", { cx: f.x(p[0]), cy: f.y(p[1]), r: 4.5, fill: "#d62728", class: "front-pt",
      "data-tip": `on the front: ${p[2].id}\n${cx.key} ${num(p[0])}\n${cy.key} ${num(p[1])}\n${JSON.stringify(p[2].params)}` }, f.g);
    pplot.append(el("div", { class: "note", text: `${front.length} of ${pts.length} points on the front (red).` }));
  }
  for (const c of [spx, spxd, spy, spyd]) c.addEventListener("change", drawPareto);
  drawPareto();
}

// ---------- portfolio ----------
function renderPortfolio(D) {
  header(`Portfolio: ${D.model}`, `${D.systems.length} systems × batches ${D.batches.join(", ")} · context ${D.context} · ` +
    `weights ${D.weight_dtype} · decodesim ${D.version}`);
  const colourOf = name => PALETTE[D.systems.findIndex(s => s.name === name) % PALETTE.length];
  const s1 = section("Throughput against interactivity", "portfolio-curves");
  s1.append(el("div", { class: "note", text: "One curve per system, one point per batch size (labelled). Right is faster for each user; " +
    "up is more tokens from each chip (or each kW). Batches that do not fit are listed under the chart and in the table." }));
  const ok = D.points.filter(p => p.status === "ok");
  const wrap = el("div", { class: "small-multiples" });
  s1.append(wrap);
  function curves(title, key, label, cls) {
    const f = frame(wrap, { width: 680, height: 420, x: extent(ok.map(p => p.tokens_per_s_per_user), true),
      y: extent(ok.map(p => p[key]), true), xlog: true, ylog: true, xlabel: "tokens/s per user (interactivity)", ylabel: label,
      title, cls });
    for (const s of D.systems) {
      const pts = ok.filter(p => p.system === s.name).sort((a, b) => a.batch - b.batch);
      sv("path", { d: pts.map((p, j) => `${j ? "L" : "M"}${f.x(p.tokens_per_s_per_user)},${f.y(p[key])}`).join(" "),
        stroke: colourOf(s.name), "stroke-width": 2, fill: "none", class: "curve", "data-system": s.name }, f.g);
      for (const p of pts) {
        sv("circle", { cx: f.x(p.tokens_per_s_per_user), cy: f.y(p[key]), r: 3.5, fill: colourOf(s.name),
          "data-tip": `${s.name}, batch ${p.batch}\n${p.tokens_per_s_per_user.toFixed(1)} tok/s per user\n` +
            `${p.tokens_per_s_per_chip.toFixed(1)} tok/s per chip\n${p.tokens_per_s_per_kw.toFixed(1)} tok/s per kW\n` +
            `${p.joules_per_token.toPrecision(3)} J/token` }, f.g);
        sv("text", { x: f.x(p.tokens_per_s_per_user) + 4, y: f.y(p[key]) - 4, text: String(p.batch), "font-size": "9" }, f.g);
      }
    }
  }
  curves("tokens/s per chip", "tokens_per_s_per_chip", "tokens/s per chip", "portfolio-chip");
  curves("tokens/s per kW", "tokens_per_s_per_kw", "tokens/s per kW (simulated average power)", "portfolio-kw");
  legend(s1, D.systems.map(s => [`${s.name} (${s.chips} chips)`, colourOf(s.name)]));
  const nofit = D.points.filter(p => p.status !== "ok");
  if (nofit.length) {
    const ul = el("ul", { class: "nofit" });
    for (const p of nofit) ul.append(el("li", { class: "warn", text: `${p.system}, batch ${p.batch}: ${p.status}${p.error ? " — " + p.error : ""}` }));
    s1.append(el("div", { class: "note", text: "Not on the curves:" }), ul);
  }
  const s2 = section("Best system under a per-user speed target", "portfolio-best");
  const rows = [];
  for (const target of D.targets) {
    const meet = ok.filter(p => p.tokens_per_s_per_user >= target);
    const best = key => meet.reduce((b, p) => (!b || p[key] > b[key] ? p : b), null);
    const c = best("tokens_per_s_per_chip"), w = best("tokens_per_s_per_kw");
    rows.push([`≥ ${target} tok/s per user`, c ? `${c.system} (batch ${c.batch})` : "none meets it", c ? c.tokens_per_s_per_chip.toFixed(1) : "",
      w ? `${w.system} (batch ${w.batch})` : "none meets it", w ? w.tokens_per_s_per_kw.toFixed(1) : ""]);
  }
  table(s2, ["target", "most tokens/s per chip", "tok/s/chip", "most tokens/s per kW", "tok/s/kW"], rows, { left: [1, 3], cls: "best-table" });
  const s3 = section("Every system and batch", "portfolio-table");
  table(s3, ["system", "batch", "status", "tok/s per user", "tok/s total", "tok/s per chip", "tok/s per kW", "J/token", "avg power", "bottleneck"],
    D.points.map(p => p.status === "ok"
      ? [p.system, String(p.batch), "ok", p.tokens_per_s_per_user.toFixed(1), p.tokens_per_s.toFixed(1), p.tokens_per_s_per_chip.toFixed(1),
        p.tokens_per_s_per_kw.toFixed(1), p.joules_per_token.toPrecision(3), si(p.power_w, "W"), p.bottleneck]
      : [p.system, String(p.batch), p.status, "", "", "", "", "", "", p.error || ""]), { left: [2, 9], cls: "points" });
  s3.append(el("div", { class: "note", text: "tokens/s per kW divides total tokens/s by the run's simulated average power (energy / time, all chips)." }));
}

// Kernels travel as {cols, rows} to keep large runs small; the charts want objects.
function expandKernels(res) {
  if (res && res.kernels && res.kernels.cols) {
    const cols = res.kernels.cols;
    res.kernels = res.kernels.rows.map(r => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
  }
}
function main() {
  setupTooltip();
  const D = JSON.parse(document.getElementById("data").textContent);
  expandKernels(D.result);
  for (const r of D.runs || []) expandKernels(r.result);
  const render = { run: renderRun, gemm: renderRun, compare: renderCompare, sweep: renderSweep, portfolio: renderPortfolio }[D.kind];
  render(D);
  document.body.setAttribute("data-rendered", D.kind);
}
main();
