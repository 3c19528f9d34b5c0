// Banli: the rating form of a finished ticket's progress page (the QR
// code on the ticket leads there). The same rating as the counter's pad:
// five levels, a reason required for 不满意/非常不满意, optional text.
// One Idempotency-Key per page: a double tap, or a retry after a lost
// answer, records one rating.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const box = $("rate");
  if (!box) return;
  const ticketId = Number(box.dataset.ticket);
  const code = box.dataset.code;
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  const key = "qr-" + Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  const STARS = ["★★★★★", "★★★★", "★★★", "★★", "★"];
  let level = null;
  const reasons = new Set();
  let sending = false;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function showError(body) {
    $("rate-error").textContent = (body && (body.message_zh || "")) + (body && body.message ? " · " + body.message : "");
    $("rate-error").hidden = false;
  }

  async function load() {
    let settings;
    try {
      const r = await fetch("/api/v1/ratings/settings", { cache: "no-store" });
      settings = await r.json();
    } catch (e) {
      showError({ message_zh: "无法连接服务器，请稍后刷新重试", message: "Cannot reach the server; reload later" });
      return;
    }
    settings.levels.forEach((l, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "rate-level";
      b.id = "rate-level-" + l.level;
      b.dataset.bad = String(l.bad);
      b.dataset.good = String(!l.bad);
      b.setAttribute("aria-pressed", "false");
      b.innerHTML = `<span class="stars" aria-hidden="true">${STARS[i]}</span><b class="zh">${esc(l.zh)}</b><small>${esc(l.en)}</small>`;
      b.addEventListener("click", () => {
        level = l.level;
        for (const x of $("rate-levels").children) x.setAttribute("aria-pressed", String(x === b));
        $("rate-reasons-box").hidden = !l.bad;
        $("rate-submit").disabled = false;
        $("rate-error").hidden = true;
      });
      $("rate-levels").append(b);
    });
    // Each reason in Chinese (what is sent) with the hall's English beneath.
    const names = settings.reason_names || [];
    settings.reasons.forEach((r, i) => {
      const en = names[i] && names[i].zh === r ? names[i].en : null;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "rate-reason";
      b.id = "rate-reason-" + i;
      b.innerHTML = `<b class="zh">${esc(r)}</b>` + (en ? `<small lang="en">${esc(en)}</small>` : "");
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => {
        if (reasons.has(r)) reasons.delete(r);
        else reasons.add(r);
        b.setAttribute("aria-pressed", String(reasons.has(r)));
        $("rate-error").hidden = true;
      });
      $("rate-reasons").append(b);
    });
  }

  $("rate-submit").addEventListener("click", async () => {
    if (!level || sending) return;
    sending = true;
    $("rate-submit").disabled = true;
    const bad = $("rate-reasons-box").hidden === false;
    const body = {
      ticket_id: ticketId,
      code,
      level,
      reasons: bad ? Array.from(reasons) : [],
      text: $("rate-text").value.trim(),
    };
    // A transferred ticket was served for several services: this form rates one.
    if (box.dataset.service) body.service_id = box.dataset.service;
    try {
      const r = await fetch("/api/v1/ratings", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify(body),
      });
      const json = await r.json().catch(() => null);
      if (r.ok || (json && json.code === "already_rated")) {
        box.hidden = true;
        $("rate-done").hidden = false;
      } else {
        showError(json);
      }
    } catch (e) {
      showError({ message_zh: "网络异常，请再点一次提交", message: "Network problem; tap Submit again" });
    } finally {
      sending = false;
      $("rate-submit").disabled = !level;
    }
  });

  load();
})();
