// Banli web consoles: what every page shares. No dependencies, no build.
//   Banli.t(zh, en)       text in the page's language
//   Banli.api(method, path, body) -> Promise<json|null>; throws Banli.ApiError
//   Banli.stream(onMessage) keeps the event stream open, with backoff
//   Banli.banner(text) / Banli.clearBanner()
"use strict";
(function () {
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const lang = meta("banli-lang") === "en" ? "en" : "zh";
  const csrf = meta("csrf-token");
  const timeZone = meta("banli-tz") || undefined;
  // Milliseconds to add to this computer's clock to get the server's: a
  // counter PC with a wrong clock must not show wrong waiting times.
  let skew = 0;
  function syncClock(serverIso) {
    const t = Date.parse(serverIso);
    if (!Number.isNaN(t)) skew = t - Date.now();
  }
  function now() { return Date.now() + skew; }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (lang === "en" ? body.message : body.message_zh || body.message)) || `HTTP ${status}`);
      this.status = status;
      this.code = (body && body.code) || "http_" + status;
      this.fields = (body && body.fields) || [];
    }
  }

  async function api(method, path, body) {
    const opts = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, { code: "network", message: "The server cannot be reached", message_zh: "无法连接服务器" });
    }
    if (resp.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
      throw new ApiError(401, { code: "unauthorized", message: "Signed out", message_zh: "登录已失效" });
    }
    if (resp.status === 204) return null;
    const text = await resp.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!resp.ok) throw new ApiError(resp.status, json);
    return json;
  }

  function banner(text, kind) {
    const el = document.getElementById("banner");
    if (!el) return;
    el.textContent = text;
    el.dataset.kind = kind || "error";
    el.hidden = false;
  }
  function clearBanner() {
    const el = document.getElementById("banner");
    if (el) el.hidden = true;
  }

  function setConn(state) {
    const el = document.getElementById("conn");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = {
      live: t("● 实时", "● Live"),
      connecting: t("○ 连接中…", "○ Connecting…"),
      lost: t("✕ 连接中断，正在重连", "✕ Connection lost, reconnecting"),
    }[state];
  }

  // The event stream: a snapshot, then events with sequence numbers. On a
  // gap or a drop it reconnects (1 s, doubling to 15 s) and the page gets a
  // fresh snapshot, so it never shows stale data for long.
  function stream(onMessage) {
    let delay = 1000;
    let lastSeq = null;
    function open() {
      setConn("connecting");
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${proto}//${location.host}/api/v1/events`);
      ws.onmessage = (ev) => {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (msg.kind === "snapshot") {
          lastSeq = msg.snapshot.seq;
          syncClock(msg.snapshot.at);
          delay = 1000;
          setConn("live");
        } else if (msg.kind === "event") {
          if (lastSeq !== null && msg.seq !== lastSeq + 1) {
            ws.send(JSON.stringify({ type: "resync" }));
            return;
          }
          lastSeq = msg.seq;
        }
        onMessage(msg);
      };
      ws.onclose = () => {
        setConn("lost");
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 15000);
      };
    }
    open();
  }

  function t(zh, en) { return lang === "en" ? en : zh; }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function minutes(secs) {
    if (secs == null) return "—";
    const m = Math.round(secs / 60);
    return m < 1 ? t("不到1分钟", "<1 min") : t(`${m} 分钟`, `${m} min`);
  }
  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    try {
      return d.toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit", timeZone });
    } catch (e) {
      return d.toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit" });
    }
  }
  function name(obj) { return lang === "en" && obj.name_en ? obj.name_en : obj.name_zh; }

  window.Banli = { lang, csrf, api, ApiError, banner, clearBanner, stream, t, esc, minutes, time, name, now, syncClock };
})();
