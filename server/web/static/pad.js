// Banli rating pad (评价器): the tablet facing the citizen at one counter.
//
// - The device token comes once in the link (`/pad#token=…`), is kept in
//   localStorage and removed from the address bar.
// - Counter view: the counter, the clerk on duty, the number being served,
//   from GET /api/v1/pad/state, refreshed when the event stream says the
//   counter changed. Nothing about the citizen is ever shown.
// - When the counter finishes a ticket (a `ticket_changed` event for this
//   counter with status `finished`), or transfers it to another service
//   (status `waiting`: the service here is done; 受理 → 收费, say), the pad
//   asks for a rating of what this counter did. A bad one
//   needs a reason (the server refuses it without, and the pad shows the
//   refusal). With no answer within the hall's timeout it goes back and
//   records nothing.
// - A rating is written to localStorage with its Idempotency-Key before it
//   is sent and removed only when the server has answered: a pad that
//   loses the server keeps it and sends it again (same key: never twice)
//   until it is recorded, also after a reload.
"use strict";
(function () {
  const TOKEN = "banli-pad-token";
  const PENDING = "banli-pad-pending";
  const $ = (id) => document.getElementById(id);
  const hash = /[#&]token=([^&]+)/.exec(location.hash);
  if (hash) {
    localStorage.setItem(TOKEN, decodeURIComponent(hash[1]));
    history.replaceState(null, "", location.pathname);
  }
  const token = localStorage.getItem(TOKEN);
  const VIEWS = ["setup", "counter", "ask", "thanks"];
  function show(view) {
    for (const v of VIEWS) $("view-" + v).hidden = v !== view;
  }
  if (!token) {
    show("setup");
    return;
  }

  // Stars, not faces: every tablet font has ★, few have every emoji.
  const STARS = ["★★★★★", "★★★★", "★★★", "★★", "★"];
  let padState = null;
  let settings = null;
  let asking = null;
  let idleTimer = null;
  let backTimer = null;
  let retryTimer = null;

  class Failure extends Error {
    constructor(status, body) {
      super((body && (body.message_zh || body.message)) || "HTTP " + status);
      this.status = status;
      this.body = body || {};
    }
  }

  async function call(method, path, body, key) {
    const headers = { Authorization: "Bearer " + token };
    const opts = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (key) headers["Idempotency-Key"] = key;
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (e) {
      throw new Failure(0, null);
    }
    const text = await resp.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!resp.ok) throw new Failure(resp.status, json);
    return json;
  }

  function setConnected(ok) {
    const el = $("pad-conn");
    el.textContent = "与服务器的连接已断开，正在重新连接… · Connection to the server lost, reconnecting…";
    el.hidden = ok;
    el.dataset.state = ok ? "ok" : "lost";
  }

  function renderCounter() {
    if (!padState) return;
    $("pad-counter").textContent = padState.counter_name_zh;
    $("pad-counter-en").textContent = padState.counter_name_en;
    $("pad-clerk").textContent = padState.clerk ? "工作人员 · Clerk：" + padState.clerk : "";
    const paused = padState.status !== "open";
    $("pad-serving").textContent = padState.serving || (paused ? "暂停服务" : "—");
  }

  async function refresh() {
    try {
      padState = await call("GET", "/api/v1/pad/state");
      if (!settings) settings = await call("GET", "/api/v1/ratings/settings");
      renderCounter();
      if (!asking && $("view-thanks").hidden) show("counter");
    } catch (e) {
      if (e.status === 401 || e.status === 403) show("setup");
      else setConnected(false);
    }
  }

  function newKey() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return "pad-" + Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function armIdle() {
    clearTimeout(idleTimer);
    const secs = (padState && padState.timeout_secs) || 30;
    $("pad-timeout").textContent = `${secs} 秒内无操作将自动返回，不记录评价 · Goes back after ${secs} s without an answer; nothing is recorded`;
    idleTimer = setTimeout(() => {
      asking = null;
      show("counter");
    }, secs * 1000);
  }

  function button(cls, html, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.innerHTML = html;
    b.addEventListener("click", () => {
      armIdle();
      onClick(b);
    });
    return b;
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function ask(ticketId) {
    if (!settings) return;
    clearTimeout(backTimer);
    asking = { ticketId, level: null, reasons: new Set(), key: newKey() };
    const levels = $("pad-levels");
    levels.replaceChildren();
    settings.levels.forEach((l, i) => {
      const b = button(
        "rate-level",
        `<span class="stars" aria-hidden="true">${STARS[i] || ""}</span><b class="zh">${esc(l.zh)}</b><small>${esc(l.en)}</small>`,
        () => chooseLevel(l, b),
      );
      b.id = "pad-level-" + l.level;
      b.dataset.bad = String(l.bad);
      b.dataset.good = String(!l.bad);
      b.setAttribute("aria-pressed", "false");
      levels.append(b);
    });
    const reasons = $("pad-reasons");
    reasons.replaceChildren();
    // Each reason in Chinese (what is sent) with the hall's English beneath.
    const names = settings.reason_names || [];
    settings.reasons.forEach((r, i) => {
      const en = names[i] && names[i].zh === r ? names[i].en : null;
      const label = `<b class="zh">${esc(r)}</b>` + (en ? `<small lang="en">${esc(en)}</small>` : "");
      const b = button("rate-reason", label, () => {
        if (asking.reasons.has(r)) asking.reasons.delete(r);
        else asking.reasons.add(r);
        b.setAttribute("aria-pressed", String(asking.reasons.has(r)));
      });
      b.id = "pad-reason-" + i;
      b.setAttribute("aria-pressed", "false");
      reasons.append(b);
    });
    $("pad-text").value = "";
    $("pad-reasons-box").hidden = true;
    $("pad-error").hidden = true;
    show("ask");
    armIdle();
  }

  function chooseLevel(l, b) {
    asking.level = l.level;
    for (const x of $("pad-levels").children) x.setAttribute("aria-pressed", String(x === b));
    $("pad-error").hidden = true;
    if (l.bad) {
      $("pad-reasons-box").hidden = false;
    } else {
      submit();
    }
  }

  function submit() {
    if (!asking || !asking.level) return;
    const pending = {
      key: asking.key,
      body: {
        ticket_id: asking.ticketId,
        level: asking.level,
        reasons: Array.from(asking.reasons),
        text: $("pad-text").value.trim(),
      },
    };
    localStorage.setItem(PENDING, JSON.stringify(pending));
    send(pending, true);
  }

  async function send(pending, fromForm) {
    clearTimeout(retryTimer);
    try {
      await call("POST", "/api/v1/ratings", pending.body, pending.key);
      localStorage.removeItem(PENDING);
      $("pad-saving").textContent = "";
      if (fromForm) thanks();
    } catch (e) {
      if (e.status === 0 || e.status >= 500) {
        // Kept; sent again (same key) until the server has it.
        setConnected(false);
        $("pad-saving").textContent = "网络恢复后将自动提交您的评价 · Your rating will be sent when the connection returns";
        if (fromForm) thanks();
        retryTimer = setTimeout(() => send(pending, false), 3000);
        return;
      }
      localStorage.removeItem(PENDING);
      if (fromForm && (e.status === 422 || e.status === 400)) {
        // A refusal the citizen can fix (a reason is missing): say so.
        const body = e.body;
        $("pad-error").textContent = (body.message_zh || "") + (body.message ? " · " + body.message : "");
        $("pad-error").hidden = false;
        return;
      }
      if (fromForm) thanks();
    }
  }

  function thanks() {
    clearTimeout(idleTimer);
    asking = null;
    show("thanks");
    backTimer = setTimeout(() => {
      show("counter");
      refresh();
    }, 4000);
  }

  $("pad-submit").addEventListener("click", () => {
    armIdle();
    submit();
  });
  $("pad-back").addEventListener("click", () => {
    armIdle();
    $("pad-reasons-box").hidden = true;
    asking.level = null;
    for (const x of $("pad-levels").children) x.setAttribute("aria-pressed", "false");
  });
  $("pad-text").addEventListener("input", armIdle);

  let backoff = 1000;
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/events?access_token=${encodeURIComponent(token)}`);
    ws.onopen = () => {
      backoff = 1000;
      setConnected(true);
      const pending = localStorage.getItem(PENDING);
      if (pending) {
        try { send(JSON.parse(pending), false); } catch (e) { localStorage.removeItem(PENDING); }
      }
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.kind === "snapshot") {
        refresh();
        return;
      }
      if (msg.kind !== "event" || !padState) return;
      const ev = msg.event;
      const mine = padState.counter_id;
      if (ev.type === "ticket_changed" && ev.counter_id === mine && (ev.status === "finished" || ev.status === "waiting")) {
        refresh().then(() => ask(ev.ticket_id));
      } else if (
        (ev.type === "ticket_called" && ev.call.counter_id === mine) ||
        (ev.type === "ticket_recalled" && ev.call.counter_id === mine) ||
        (ev.type === "ticket_changed" && ev.counter_id === mine) ||
        (ev.type === "counter_changed" && ev.counter.id === mine) ||
        ev.type === "config_changed" || ev.type === "day_rolled"
      ) {
        refresh();
      }
    };
    ws.onclose = () => {
      setConnected(false);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  refresh();
  connect();
})();
