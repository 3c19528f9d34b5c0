// The counter console (窗口工作台): what a clerk uses all day.
// State comes from GET /api/v1/counters/{id} and the hall snapshot; every
// change in the hall arrives on the event stream and refreshes the view.
// Each action is one request; all buttons are disabled while it runs, and
// the request names the ticket on screen, so a double click or a stale
// screen can never act on the wrong citizen.
"use strict";
(function () {
  const { api, t, esc, minutes, time, name, banner, clearBanner } = Banli;
  const $ = (id) => document.getElementById(id);
  const root = document.querySelector("main.console");
  const isAdmin = root.dataset.admin === "true";
  const mine = (root.dataset.counters || "").split(",").filter(Boolean).map(Number);

  let hall = null;        // the latest snapshot (services, counters, recent calls)
  let counterId = null;   // the counter on screen
  let view = null;        // GET /counters/{id}
  let currentTicket = null; // full TicketView of the current ticket
  let busy = false;

  const services = () => new Map((hall ? hall.services : []).map((s) => [s.id, s]));

  async function loadHall() {
    hall = await api("GET", "/api/v1/hall");
    Banli.syncClock(hall.at);
    const select = $("counter-select");
    const allowed = hall.counters.filter((c) => isAdmin || mine.includes(c.id));
    const saved = Number(localStorage.getItem("banli.counter"));
    if (counterId === null) {
      counterId = allowed.some((c) => c.id === saved) ? saved : (allowed[0] || {}).id || null;
    }
    select.innerHTML = allowed
      .map((c) => `<option value="${c.id}" ${c.id === counterId ? "selected" : ""}>${esc(name(c))}</option>`)
      .join("");
    if (!allowed.length) banner(t("您的账号尚未分配窗口，请联系管理员。", "No counter is assigned to your account; ask an administrator."));
    renderHallCalls();
  }

  async function load() {
    if (counterId === null) return;
    try {
      view = await api("GET", `/api/v1/counters/${counterId}`);
      const cur = view.counter.current;
      currentTicket = cur ? await api("GET", `/api/v1/tickets/${cur.ticket_id}`) : null;
      render();
      clearBanner();
    } catch (e) {
      banner(e.message);
    }
    loadFigures();
  }

  async function loadFigures() {
    try {
      const me = await api("GET", "/api/v1/auth/me/today");
      $("my-served").textContent = me.served;
      $("my-handle").textContent = minutes(me.avg_handle_secs);
      $("my-noshows").textContent = me.no_shows;
    } catch (e) { /* figures are a convenience; the banner shows real errors */ }
  }

  function render() {
    const c = view.counter;
    const svc = services();
    const status = $("counter-status");
    status.dataset.state = c.status.state;
    status.textContent = {
      open: t("服务中", "Open"),
      paused: t(`暂停：${c.status.reason || ""}`, `Paused: ${c.status.reason || ""}`),
      closed: t("未开放", "Closed"),
    }[c.status.state];
    $("counter-services").textContent = c.services.map((id) => (svc.get(id) ? name(svc.get(id)) : id)).join(" · ");

    const cur = c.current;
    $("current-number").textContent = cur ? cur.number : "—";
    if (cur && currentTicket) {
      const s = svc.get(currentTicket.service_id);
      const waited = (new Date(cur.called_at) - new Date(currentTicket.issued_at)) / 1000;
      const serving = (Banli.now() - new Date(cur.called_at)) / 1000;
      const prio = cur.class !== "normal" ? `<span class="priority">${esc(classLabel(cur.class))}</span> ` : "";
      $("current-detail").innerHTML =
        `<div class="big">${prio}${esc(s ? name(s) : currentTicket.service_id)}</div>` +
        `<div>${t("取号", "Issued")} ${esc(time(currentTicket.issued_at))} · ${t("等候", "waited")} ${esc(minutes(waited))}</div>` +
        `<div>${t("叫号", "Called")} ${esc(time(cur.called_at))} · ${t("已办理", "serving for")} ${esc(minutes(serving))}` +
        (cur.recalls ? ` · ${t("重呼", "recalls")} ${cur.recalls}` : "") + `</div>`;
    } else {
      $("current-detail").innerHTML = `<div class="muted">${t("当前没有正在办理的号。按「叫下一位」开始。", "Nobody is being served. Press Call next.")}</div>`;
    }

    const opts = hall.services.filter((s) => !currentTicket || s.id !== currentTicket.service_id);
    // Rebuild the choices only when they change: every hall event re-renders
    // this page, and replacing the options would close a list the clerk has
    // open and lose the choice being made.
    const optsHtml = opts.map((s) => `<option value="${esc(s.id)}">${esc(name(s))}</option>`).join("");
    if ($("transfer-to").dataset.opts !== optsHtml) {
      const keep = $("transfer-to").value;
      $("transfer-to").innerHTML = optsHtml;
      $("transfer-to").dataset.opts = optsHtml;
      if (opts.some((s) => s.id === keep)) $("transfer-to").value = keep;
    }

    const rows = view.waiting.map((w) => {
      const s = svc.get(w.service_id);
      const waited = (Banli.now() - new Date(w.issued_at)) / 1000;
      return `<tr class="${w.class !== "normal" ? "priority" : ""}"><td>${esc(w.number)}</td><td>${esc(s ? name(s) : w.service_id)}</td><td class="num">${esc(minutes(waited))}</td></tr>`;
    });
    $("waiting").querySelector("tbody").innerHTML = rows.join("") || `<tr><td colspan="3" class="muted">${t("暂无等候", "Nobody waiting")}</td></tr>`;
    const total = c.services.reduce((n, id) => n + ((svc.get(id) || {}).waiting || 0), 0);
    $("waiting-count").textContent = t(`共 ${total} 人`, `${total} in all`);
    updateButtons();
  }

  function classLabel(c) {
    return { elderly: t("老年人", "Elderly"), disabled: t("残疾人", "Disabled"), military: t("军人", "Military"), appointment: t("预约", "Appointment") }[c] || c;
  }

  function renderHallCalls() {
    if (!hall) return;
    $("hall-calls").innerHTML = hall.recent_calls
      .slice(0, 8)
      .map((c) => `<li><strong>${esc(c.number)}</strong> → ${esc(name({ name_zh: c.counter_name_zh, name_en: c.counter_name_en }))} <span class="muted">${esc(time(c.called_at))}</span></li>`)
      .join("");
  }

  function updateButtons() {
    const c = view && view.counter;
    const has = !!(c && c.current);
    const paused = c && c.status.state === "paused";
    const set = (id, on) => { $(id).disabled = busy || !on; };
    set("btn-call", !!c);
    set("btn-recall", has);
    set("btn-noshow", has);
    set("btn-finish", has);
    set("btn-transfer", has && $("transfer-to").options.length > 0);
    set("btn-pause", c && c.status.state === "open");
    set("btn-resume", paused || (c && c.status.state === "closed"));
  }

  async function act(path, body) {
    if (busy || counterId === null) return;
    busy = true;
    updateButtons();
    try {
      await api("POST", `/api/v1/counters/${counterId}/${path}`, body || {});
      clearBanner();
    } catch (e) {
      banner(e.message);
    } finally {
      busy = false;
      await load();
    }
  }

  const ticketBody = () => ({ ticket_id: view && view.counter.current ? view.counter.current.ticket_id : null });
  const actions = {
    "btn-call": () => act("call-next"),
    "btn-recall": () => act("recall", ticketBody()),
    "btn-noshow": () => act("no-show", ticketBody()),
    "btn-finish": () => act("finish", ticketBody()),
    "btn-transfer": () => act("transfer", { ...ticketBody(), to_service: $("transfer-to").value }),
    "btn-pause": () => act("pause", { reason: $("pause-reason").value.trim() }),
    "btn-resume": () => act("resume"),
  };
  for (const [id, fn] of Object.entries(actions)) $(id).addEventListener("click", fn);

  // Keyboard: F1 call next, F2 recall, F3 no-show, F4 finish, F6 transfer,
  // F7 pause, F8 resume; ignored while typing a pause reason.
  document.addEventListener("keydown", (ev) => {
    if (ev.target instanceof HTMLInputElement) return;
    const button = document.querySelector(`button[data-key="${ev.key}"]`);
    if (!button) return;
    ev.preventDefault();
    if (!button.disabled) button.click();
  });

  $("counter-select").addEventListener("change", (ev) => {
    counterId = Number(ev.target.value);
    localStorage.setItem("banli.counter", String(counterId));
    load();
  });

  let pending = null;
  function refreshSoon(withHall) {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      if (withHall) await loadHall().catch((e) => banner(e.message));
      await load();
    }, 120);
  }

  Banli.stream((msg) => {
    if (msg.kind === "snapshot") {
      hall = msg.snapshot;
      refreshSoon(true);
      return;
    }
    const ev = msg.event;
    if (ev.type === "ticket_called" || ev.type === "ticket_recalled") {
      hall.recent_calls = [ev.call, ...hall.recent_calls.filter((c) => c.ticket_id !== ev.call.ticket_id)].slice(0, 20);
      renderHallCalls();
    }
    for (const w of ev.waiting || []) {
      const s = hall.services.find((x) => x.id === w.service_id);
      if (s) { s.waiting = w.waiting; s.estimated_wait_minutes = w.estimated_wait_minutes; }
    }
    refreshSoon(ev.type === "config_changed" || ev.type === "day_rolled");
  });

  // Times shown ("waited 12 min") age by themselves.
  setInterval(() => { if (view) render(); }, 30000);
  loadHall().then(load).catch((e) => banner(e.message));
})();
