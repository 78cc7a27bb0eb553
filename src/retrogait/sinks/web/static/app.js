// retrogait live page: Server-Sent Events in, figures / plot / alerts out. No framework.
// Message kinds and fields: docs/web.md. Memory is bounded: 60 s of strides and landings and
// the last ALERTS_MAX alerts per athlete, whatever the session length.
"use strict";

const WINDOW_S = 60;
const ALERTS_MAX = 20;
const LANDINGS_SHOWN = 14;
const DEAD_AFTER_MS = 4500;      // no message (ticks come every second) for this long: reconnect
const STALE_DATA_S = 3;          // data older than this is shown as late, then as missing
const GOOD_STATUS = new Set(["connected", "reconnected"]);
const BENCH = new URLSearchParams(location.search).has("bench");

const S = {
  server: null, mode: "single", title: "retrogait", athletes: new Map(),
  lastMsgAt: 0, tickAt: 0, dropped: 0, es: null, connected: false, retries: 0,
  acked: new Set(JSON.parse(sessionStorage.getItem("acked") || "[]")),
  dirty: false, lat: [],
};
window.retrogait = S;  // for tests and benchmarks

const $ = (id) => document.getElementById(id);
const fmt = (v, d = 0, scale = 1) => (v === null || v === undefined || Number.isNaN(v)) ? "–" : (v * scale).toFixed(d);

function athlete(name) {
  let a = S.athletes.get(name);
  if (!a) {
    a = { name, figures: null, recent: [], alerts: [], ended: false, report: null, summary: null,
          status: null, age: null, t_s: 0 };
    S.athletes.set(name, a);
  }
  return a;
}

function alertId(name, ev) { return `${name}|${ev.kind}|${ev.sensor || ""}|${ev.t_s}`; }

function alertText(ev) {
  const who = ev.foot && ev.foot !== "unknown" ? `${ev.foot} (${ev.sensor})` : (ev.sensor || "");
  switch (ev.kind) {
    case "fall": return `FALL? ${who}`.trim();
    case "posture": return ev.state === "upright" ? `Upright again ${who}`.trim()
      : `LEANING BACK ${fmt(ev.pitch_deg - ev.baseline_deg, 0)}° from the runner's own posture ${who}`.trim();
    case "recovered": return `Moving again after the fall at ${clock(ev.fall_t_s)} ${who}`.trim();
    case "gap": return `Data gap ${fmt(ev.end_s - ev.start_s, 1)} s ${who}` +
      (ev.lost_packets ? `, ${ev.lost_packets} packets lost` : "");
    case "sensor_status": return `Sensor ${who} ${ev.status.toUpperCase().replace("_", " ")}` +
      (ev.detail ? `: ${ev.detail}` : "");
    default: {
      const skip = new Set(["kind", "t_s", "emitted_at_s", "sensor", "foot"]);
      const parts = Object.entries(ev).filter(([k]) => !skip.has(k))
        .map(([k, v]) => `${k.replace(/_/g, " ")} ${typeof v === "number" ? +v.toFixed(2) : v}`);
      return `${ev.kind.toUpperCase().replace(/_/g, " ")} ${who} ${parts.join(", ")}`.trim();
    }
  }
}

function prune(a) {
  const t0 = a.t_s - WINDOW_S;
  let i = 0;
  while (i < a.recent.length && a.recent[i].t_s < t0) i++;
  if (i) a.recent.splice(0, i);
}

// ------------------------------------------------------------------ messages
function handle(msg) {
  S.lastMsgAt = Date.now();
  switch (msg.type) {
    case "hello":
      if (msg.server !== S.server) S.athletes.clear();
      S.server = msg.server; S.mode = msg.mode; S.title = msg.title || "retrogait";
      break;
    case "snapshot": {
      const a = athlete(msg.athlete);
      a.figures = msg.figures; a.recent = msg.recent.slice(); a.alerts = msg.alerts.slice();
      a.ended = msg.ended; a.report = msg.report; a.summary = msg.summary; a.status = msg.status;
      a.t_s = Math.max(a.t_s, msg.figures.t_s || 0);
      for (const ev of a.alerts) if (!S.acked.has(alertId(a.name, ev))) raise(a, ev, false);
      break;
    }
    case "event": {
      const a = athlete(msg.athlete), ev = msg.event;
      a.figures = msg.figures;
      a.t_s = Math.max(a.t_s, ev.t_s);
      a.age = { s: 0, at: Date.now() };
      if (ev.kind === "stride" || ev.kind === "landing") { a.recent.push(ev); prune(a); }
      else if (msg.alert) {   // the server decides: fall, gap, lost sensor, any new kind
        a.alerts.push(ev);
        if (a.alerts.length > ALERTS_MAX) a.alerts.shift();
        raise(a, ev, true);
      }
      if (BENCH) requestAnimationFrame(() => {
        const now = performance.timeOrigin + performance.now();
        S.lat.push(now - msg.wall * 1000);
        if (S.lat.length > 20000) S.lat.splice(0, 10000);
      });
      break;
    }
    case "tick":
      S.tickAt = Date.now(); S.dropped = msg.dropped;
      for (const [name, t] of Object.entries(msg.athletes)) {
        const a = athlete(name);
        a.t_s = Math.max(a.t_s, t.t_s); a.ended = a.ended || t.ended;
        a.age = t.data_age_s === null ? null : { s: t.data_age_s, at: Date.now() };
      }
      break;
    case "ended": {
      const a = athlete(msg.athlete);
      a.ended = true; a.report = msg.report; a.summary = msg.summary;
      break;
    }
  }
  S.dirty = true;
}

// ------------------------------------------------------------------ connection
function connect() {
  if (S.es) S.es.close();
  const es = new EventSource("/events");
  S.es = es;
  S.lastMsgAt = Date.now();
  es.onopen = () => { S.connected = true; S.retries = 0; S.dirty = true; };
  es.onmessage = (e) => { S.connected = true; handle(JSON.parse(e.data)); };
  es.onerror = () => {
    S.connected = false; S.dirty = true;
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, Math.min(5000, 500 * ++S.retries));
  };
}

setInterval(() => {   // watchdog: a silent stream (Wi-Fi gone, server killed) is reopened
  if (Date.now() - S.lastMsgAt > DEAD_AFTER_MS) {
    S.connected = false; S.dirty = true;
    S.retries++; connect();
  }
  S.dirty = true;      // the data age keeps counting
}, 1000);

// ------------------------------------------------------------------ alerts
let shown = null;
function raise(a, ev, live) {
  const id = alertId(a.name, ev);
  if (S.acked.has(id)) return;
  shown = { id, ev, athlete: a.name, text: (S.athletes.size > 1 || S.mode === "group" ? a.name + ": " : "") + alertText(ev) };
  if (live && ev.kind === "fall" && navigator.vibrate) navigator.vibrate([500, 200, 500, 200, 500]);
}
$("alert-ok").onclick = () => {
  if (shown) {
    S.acked.add(shown.id);
    sessionStorage.setItem("acked", JSON.stringify([...S.acked].slice(-200)));
    shown = null;
    // the next unacknowledged alert, if any
    for (const a of S.athletes.values()) for (const ev of a.alerts) raise(a, ev, false);
  }
  S.dirty = true;
};

// ------------------------------------------------------------------ drawing
function selected() {
  const h = decodeURIComponent(location.hash.slice(1));
  if (h && S.athletes.has(h)) return S.athletes.get(h);
  if (S.mode === "single" && S.athletes.size) return S.athletes.values().next().value;
  return null;
}

function dataAge(a) {
  if (!a || !a.age) return null;
  return a.age.s + (Date.now() - a.age.at) / 1000;
}

function clock(t) {
  if (!t && t !== 0) return "–";
  t = Math.max(0, Math.floor(t));
  const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
}

function lr(feet, key, d, scale = 1) {
  const l = feet.left ? feet.left[key] : null, r = feet.right ? feet.right[key] : null;
  if (!feet.left && !feet.right) {
    const any = Object.values(feet)[0];
    return any ? fmt(any[key], d, scale) : "–";
  }
  return `${fmt(l, d, scale)} | ${fmt(r, d, scale)}`;
}

function setText(id, text) { const el = $(id); if (el.textContent !== text) el.textContent = text; }

function drawBar(a) {
  const conn = $("conn");
  let cls, txt;
  if (!S.connected) { cls = "bad"; txt = "NO CONNECTION – retrying"; }
  else if (a && a.ended) { cls = "warn"; txt = "session ended"; }
  else { cls = "ok"; txt = "live"; }
  conn.className = "pill " + cls; setText("conn", txt);
  const age = dataAge(a) ?? (S.lastMsgAt ? (Date.now() - S.lastMsgAt) / 1000 : null);
  const ageEl = $("age");
  if (age === null || (a && a.ended)) { ageEl.hidden = true; }
  else {
    ageEl.hidden = false;
    ageEl.className = "pill " + (age < STALE_DATA_S && S.connected ? "ok" : age < 10 ? "warn" : "bad");
    setText("age", age < 10 ? `data ${age.toFixed(1)} s old` : `NO DATA for ${clock(age)}`);
  }
  const dr = $("dropped");
  dr.hidden = !S.dropped; setText("dropped", `${S.dropped} updates lost (slow link)`);
  $("back").hidden = !(S.mode === "group" && a);
  setText("title", a ? `${a.name}` : S.title);
  document.title = (a ? a.name + " – " : "") + "retrogait live";
}

function drawAlert() {
  const box = $("alert");
  if (!shown) { box.hidden = true; return; }
  box.hidden = false;
  box.className = "alert" + (shown.ev.kind === "fall" ? " fall" : "");
  setText("alert-text", shown.text);
}

function drawSingle(a) {
  const f = a.figures || { feet: {}, sensors: {} };
  setText("f-cadence", fmt(f.cadence_spm, 0));
  setText("f-backward", f.backward_share === null || f.backward_share === undefined ? "–" : fmt(f.backward_share, 0, 100) + " %");
  setText("f-backward-sub", f.backward_share_window === null || f.backward_share_window === undefined
    ? "of strides" : `of strides, now ${fmt(f.backward_share_window, 0, 100)} %`);
  setText("f-forefoot", f.forefoot_share_backward === null || f.forefoot_share_backward === undefined ? "–" : fmt(f.forefoot_share_backward, 0, 100) + " %");
  setText("f-forefoot-sub", `of backward landings (all: ${fmt(f.forefoot_share, 0, 100)} %)`);
  setText("f-contact", lr(f.feet || {}, "contact_s", 0, 1000));
  setText("f-length", lr(f.feet || {}, "stride_length_m", 2));
  setText("f-speed", lr(f.feet || {}, "speed_m_s", 2));
  setText("f-balance", f.balance_left_pct === null || f.balance_left_pct === undefined ? "–" : `${Math.round(f.balance_left_pct)} / ${100 - Math.round(f.balance_left_pct)}`);
  setText("f-time", clock(a.t_s));
  setText("f-activity", f.activity || "");
  setText("f-distance", fmt(f.backward_distance_m, 0));
  drawTrunk(f.trunk || {});
  $("ended").hidden = !a.ended;
  const rep = $("report");
  if (a.report) { rep.hidden = false; rep.href = a.report; }
  else { rep.hidden = true; }
  if (a.ended && !a.report) setText("ended", "Session ended." + (a.summary && a.summary.session_id ? ` Report: retrogait report ${a.summary.session_id}` : ""));
  drawPlot(a);
  drawLandings(a);
  drawSensors(f.sensors || {}, a);
  drawAlertList(a);
}

// a trunk sensor (chest strap, lower-back clip): lean, oscillation and direction of the first one
function drawTrunk(trunk) {
  const ids = Object.keys(trunk).sort(), t = ids.length ? trunk[ids[0]] : null;
  for (const el of document.querySelectorAll(".fig.trunk")) el.hidden = !t;
  if (!t) return;
  const who = ids.length > 1 ? ` (${ids[0]})` : "";
  setText("f-lean", t.lean_deg === null ? "–" : (t.lean_deg > 0 ? "+" : "") + fmt(t.lean_deg, 1));
  setText("f-lean-sub", `° from upright, + forward${who}`);
  setText("f-oscillation", fmt(t.oscillation_cm, 1));
  setText("f-trunk-direction", t.direction ? t.direction.replace("_", " ") : "–");
  setText("f-trunk-direction-sub", `now; backward ${fmt(t.backward_share, 0, 100)} % of ${t.steps} steps`);
}

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
let COLORS = null;

function drawPlot(a) {
  const cv = $("plot"), dpr = window.devicePixelRatio || 1;
  const w = cv.clientWidth, h = 272;
  if (cv.width !== Math.round(w * dpr)) { cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr); }
  const g = cv.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  if (!COLORS) COLORS = { backward: cssVar("--backward"), forward: cssVar("--forward"), in_place: cssVar("--in_place") };
  const strides = a.recent.filter((e) => e.kind === "stride" && !e.uncertain);
  const t1 = a.t_s, t0 = t1 - WINDOW_S, left = 46, right = w - 8;
  const x = (t) => left + (right - left) * (t - t0) / WINDOW_S;
  const panels = [
    { key: "cadence_spm", label: "cadence, steps/min", y0: 6, y1: 120, scale: 1, lo: 100, hi: 220 },
    { key: "contact_time_s", label: "contact time, ms", y0: 136, y1: 250, scale: 1000, lo: 150, hi: 450 },
  ];
  g.font = "13px system-ui, sans-serif";
  for (const p of panels) {
    const vals = strides.map((e) => e[p.key] * p.scale);
    let lo = Math.min(p.lo, ...vals), hi = Math.max(p.hi, ...vals);
    const pad = (hi - lo) * 0.05; lo -= pad; hi += pad;
    const y = (v) => p.y1 - (p.y1 - p.y0) * (v - lo) / (hi - lo);
    g.strokeStyle = "#000"; g.lineWidth = 2;
    g.strokeRect(left, p.y0, right - left, p.y1 - p.y0);
    g.fillStyle = "#000"; g.textAlign = "right"; g.textBaseline = "middle";
    for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
      g.fillText(v.toFixed(0), left - 4, y(v));
      g.strokeStyle = "#bbb"; g.lineWidth = 1; g.beginPath(); g.moveTo(left, y(v)); g.lineTo(right, y(v)); g.stroke();
    }
    g.textAlign = "left"; g.textBaseline = "top"; g.fillStyle = "#000";
    g.fillText(p.label, left + 6, p.y0 + 3);
    for (const e of strides) {
      g.fillStyle = COLORS[e.direction] || "#000";
      g.beginPath(); g.arc(x(e.t_s), y(e[p.key] * p.scale), e.foot === "right" ? 4.5 : 3.5, 0, 7); g.fill();
    }
  }
  g.fillStyle = "#000"; g.textAlign = "right"; g.textBaseline = "bottom";
  g.fillText("now", right, h); g.textAlign = "left"; g.fillText("−60 s", left, h);
}

function drawLandings(a) {
  const box = $("landings");
  const byFoot = new Map();
  for (const e of a.recent) if (e.kind === "landing") {
    const k = e.foot !== "unknown" ? e.foot : e.sensor;
    if (!byFoot.has(k)) byFoot.set(k, []);
    byFoot.get(k).push(e);
  }
  const html = [...byFoot.keys()].sort().map((k) => {
    const marks = byFoot.get(k).slice(-LANDINGS_SHOWN).map((e) =>
      `<b class="mk ${e.foot_strike}" title="${e.foot_strike} ${fmt(e.strike_angle_deg, 0)}°">${e.foot_strike[0].toUpperCase()}</b>`).join("");
    return `<div class="footrow"><span class="who">${k}</span>${marks}</div>`;
  }).join("") || "<p class=hint>no landing in the last 60 s</p>";
  if (box.innerHTML !== html) box.innerHTML = html;
}

function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }

function drawSensors(sensors, a) {
  const rows = Object.entries(sensors).map(([id, s]) => {
    const bad = !GOOD_STATUS.has(s.status) && s.status !== "waiting";
    return `<tr><td>${esc(id)}</td><td>${esc(s.foot)}</td><td class="${bad ? "bad" : "ok"}">${esc(bad ? s.status.toUpperCase() : s.status)}</td>` +
      `<td>${s.battery_pct === null ? "–" : fmt(s.battery_pct, 0) + " %"}</td><td>${s.lost_packets}</td><td>${s.gaps}</td></tr>`;
  }).join("");
  const body = document.querySelector("#sensors tbody");
  if (body.innerHTML !== rows) body.innerHTML = rows;
}

function drawAlertList(a) {
  const html = a.alerts.slice().reverse().map((ev) =>
    `<li class="${S.acked.has(alertId(a.name, ev)) ? "" : "new"}">${clock(ev.t_s)} ${esc(alertText(ev))}</li>`).join("")
    || "<li class=\"hint none\">none</li>";
  const box = $("alerts");
  if (box.innerHTML !== html) box.innerHTML = html;
}

function trunkCard(trunk) {
  const ids = Object.keys(trunk).sort();
  if (!ids.length) return "";
  const t = trunk[ids[0]];
  return `<div><b>${(t.lean_deg > 0 ? "+" : "") + fmt(t.lean_deg, 1)}°</b><span>trunk lean</span></div>` +
    `<div><b>${fmt(t.oscillation_cm, 1)}</b><span>oscillation cm</span></div>`;
}

const cardEls = new Map();   // athlete -> its card element, updated in place
function drawGroup() {
  const box = $("cards");
  const names = [...S.athletes.keys()].sort((p, q) => p.localeCompare(q));
  for (const [name, el] of cardEls) if (!S.athletes.has(name)) { el.remove(); cardEls.delete(name); }
  names.forEach((name, i) => {
    const a = S.athletes.get(name);
    const f = a.figures || { feet: {} };
    const age = dataAge(a);
    const unacked = a.alerts.filter((ev) => !S.acked.has(alertId(a.name, ev)));
    const last = unacked.length ? alertText(unacked[unacked.length - 1]) : "";
    const state = a.ended ? "ended" : age === null ? "waiting" : age < STALE_DATA_S ? "live" : `no data ${clock(age)}`;
    const html = `<h3><span>${esc(a.name)}</span><span class="pill ${a.ended ? "warn" : age !== null && age < STALE_DATA_S ? "ok" : "bad"}">${esc(state)}</span></h3>` +
      `<div class="nums"><div><b>${fmt(f.cadence_spm, 0)}</b><span>steps/min</span></div>` +
      `<div><b>${f.backward_share == null ? "–" : fmt(f.backward_share, 0, 100) + "%"}</b><span>backward</span></div>` +
      `<div><b>${f.forefoot_share_backward == null ? "–" : fmt(f.forefoot_share_backward, 0, 100) + "%"}</b><span>forefoot (bw)</span></div>` +
      `<div><b>${lr(f.feet || {}, "contact_s", 0, 1000)}</b><span>contact ms L|R</span></div>` +
      `<div><b>${fmt(f.backward_distance_m, 0)}</b><span>backward m</span></div>` +
      trunkCard(f.trunk || {}) +
      `<div><b>${clock(a.t_s)}</b><span>session</span></div></div>` +
      (last ? `<div class="last-alert">${esc(last)}</div>` : "");
    let el = cardEls.get(name);
    if (!el) {
      el = document.createElement("div");
      el.dataset.athlete = name;
      cardEls.set(name, el);
    }
    if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
    const cls = "card" + (unacked.length ? " alerting" : "");
    if (el.className !== cls) el.className = cls;
    if (el.innerHTML !== html) el.innerHTML = html;
  });
  $("group-empty").hidden = S.athletes.size > 0;
}
$("cards").addEventListener("click", (e) => {
  const card = e.target.closest(".card");
  if (card) location.hash = encodeURIComponent(card.dataset.athlete);
});
$("back").onclick = () => { history.pushState("", document.title, location.pathname + location.search); S.dirty = true; };
window.addEventListener("hashchange", () => { S.dirty = true; });

function frame() {
  if (S.dirty) {
    S.dirty = false;
    const a = selected();
    drawBar(a);
    drawAlert();
    const group = S.mode === "group" && !a;
    $("group").hidden = !group;
    $("single").hidden = group || !a;
    if (group) drawGroup(); else if (a) drawSingle(a);
  }
  requestAnimationFrame(frame);
}

connect();
requestAnimationFrame(frame);
