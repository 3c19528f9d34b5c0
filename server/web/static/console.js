// The counter console (窗口工作台): what a clerk uses all day.
// The hall (services and their queues, the latest calls) is kept from the
// event stream: its snapshot, then every event applied here. The console
// asks the server only for what its own counter's events change: the
// counter with its next waiting tickets (GET /api/v1/counters/{id}) when a
// ticket is issued, called or moved in one of the counter's services or at
// the counter, and the clerk's figures (GET /api/v1/auth/me/today) when the
// counter closes a ticket. A burst of such events is one request, and an
// event the counter view already includes (its seq says so) is none; an
// event elsewhere in the hall costs nothing, however many consoles are open.
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
  // Events this close together are one refresh.
  const BURST_MS = 120;

  let hall = null;        // the snapshot, kept up to date by the events (hall.seq: the last applied)
  let counterId = null;   // the counter on screen
  let view = null;        // GET /counters/{id}: the counter, its next tickets, the seq it includes
  let currentTicket = null; // full TicketView of the current ticket
  let busy = false;

  // The highest sequence number this page has seen (on the stream, in a
  // snapshot, in a counter view). The server commits an event before it
  // tells anyone, so whatever is asked for after seeing it includes it.
  let seen = 0;
  // What is owed: a new hall (configuration changed, a new day), and the
  // sequence number the counter view and the figures must have reached;
  // `force*`: ask whatever the numbers say (after the clerk's own action).
  const due = { hall: false, counter: 0, figures: 0, forceCounter: false, forceFigures: false };
  let figuresAt = -1;     // `seen` when the figures on screen were asked for

  const services = () => new Map((hall ? hall.services : []).map((s) => [s.id, s]));
  const noteSeq = (seq) => { if (seq > seen) seen = seq; };

  async function loadHall() {
    const snapshot = await api("GET", "/api/v1/hall");
    // Not if the stream has already brought the hall further.
    if (!hall || snapshot.seq >= hall.seq) adoptHall(snapshot);
  }

  function adoptHall(snapshot) {
    hall = snapshot;
    noteSeq(hall.seq);
    Banli.syncClock(hall.at);
    const select = $("counter-select");
    const allowed = hall.counters.filter((c) => isAdmin || mine.includes(c.id));
    const saved = Number(localStorage.getItem("banli.counter"));
    if (counterId === null) {
      counterId = allowed.some((c) => c.id === saved) ? saved : (allowed[0] || {}).id || null;
    }
    // Like the transfer list: rebuilt only when it changes, so that a list
    // the clerk has open stays open.
    const optsHtml = allowed
      .map((c) => `<option value="${c.id}" ${c.id === counterId ? "selected" : ""}>${esc(name(c))}</option>`)
      .join("");
    if (select.dataset.opts !== optsHtml) {
      select.innerHTML = optsHtml;
      select.dataset.opts = optsHtml;
    }
    if (!allowed.length) banner(t("您的账号尚未分配窗口，请联系管理员。", "No counter is assigned to your account; ask an administrator."));
    renderHallCalls();
    if (view) render();
  }

  async function loadCounter() {
    if (counterId === null) return;
    const id = counterId;
    try {
      const next = await api("GET", `/api/v1/counters/${id}`);
      if (id !== counterId) return; // The clerk chose another counter meanwhile.
      noteSeq(next.seq);
      const cur = next.counter.current;
      // The current ticket's details change only with the ticket.
      if (!cur) {
        currentTicket = null;
      } else if (!currentTicket || currentTicket.id !== cur.ticket_id || currentTicket.service_id !== cur.service_id) {
        currentTicket = await api("GET", `/api/v1/tickets/${cur.ticket_id}`);
      }
      if (id !== counterId) return;
      view = next;
      render();
      clearBanner();
    } catch (e) {
      banner(e.message);
    }
  }

  async function loadFigures() {
    const at = seen;
    try {
      const me = await api("GET", "/api/v1/auth/me/today");
      figuresAt = Math.max(figuresAt, at);
      $("my-served").textContent = me.served;
      $("my-handle").textContent = minutes(me.avg_handle_secs);
      $("my-noshows").textContent = me.no_shows;
    } catch (e) { /* figures are a convenience; the banner shows real errors */ }
  }

  // Asks for what is owed, in order: the hall first (a new configuration
  // may change the counter's services), then the counter, then the figures
  // (after the counter, so that they include what its view includes).
  async function flush() {
    if (due.hall) {
      due.hall = false;
      await loadHall().catch((e) => banner(e.message));
    }
    const stale = !view || view.counter.id !== counterId || view.seq < due.counter;
    if (due.forceCounter || stale) {
      due.forceCounter = false;
      await loadCounter();
    }
    if (due.forceFigures || figuresAt < due.figures) {
      due.forceFigures = false;
      await loadFigures();
    }
  }

  // One flush at a time, in order; `refreshSoon` waits out a burst.
  let timer = null;
  let flushing = Promise.resolve();
  function refreshNow() {
    clearTimeout(timer);
    timer = null;
    flushing = flushing.then(flush).catch((e) => banner(e.message));
    return flushing;
  }
  function refreshSoon() {
    if (timer === null) timer = setTimeout(refreshNow, BURST_MS);
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
    const ticket = cur && currentTicket && currentTicket.id === cur.ticket_id ? currentTicket : null;
    $("current-number").textContent = cur ? cur.number : "—";
    if (cur && ticket) {
      const s = svc.get(ticket.service_id);
      const waited = (new Date(cur.called_at) - new Date(ticket.issued_at)) / 1000;
      const serving = (Banli.now() - new Date(cur.called_at)) / 1000;
      const prio = cur.class !== "normal" ? `<span class="priority">${esc(classLabel(cur.class))}</span> ` : "";
      $("current-detail").innerHTML =
        `<div class="big">${prio}${esc(s ? name(s) : ticket.service_id)}</div>` +
        `<div>${t("取号", "Issued")} ${esc(time(ticket.issued_at))} · ${t("等候", "waited")} ${esc(minutes(waited))}</div>` +
        `<div>${t("叫号", "Called")} ${esc(time(cur.called_at))} · ${t("已办理", "serving for")} ${esc(minutes(serving))}` +
        (cur.recalls ? ` · ${t("重呼", "recalls")} ${cur.recalls}` : "") + `</div>`;
    } else {
      $("current-detail").innerHTML = `<div class="muted">${t("当前没有正在办理的号。按「叫下一位」开始。", "Nobody is being served. Press Call next.")}</div>`;
    }

    const opts = hall.services.filter((s) => !ticket || s.id !== ticket.service_id);
    // Rebuild the choices only when they change: the page re-renders on
    // its counter's events, and replacing the options would close a list
    // the clerk has open and lose the choice being made.
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
    renderWaitingTotal();
    updateButtons();
    // Other panels (console-cases.js) follow the counter from here, so
    // they cost the server no request of their own.
    document.dispatchEvent(new CustomEvent("banli:counter", { detail: c }));
  }

  // The number waiting in the counter's services, from the hall's figures.
  function renderWaitingTotal() {
    const svc = services();
    const total = view.counter.services.reduce((n, id) => n + ((svc.get(id) || {}).waiting || 0), 0);
    $("waiting-count").textContent = t(`共 ${total} 人`, `${total} in all`);
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

  // `closes`: the action ends a ticket here (finish, no-show, transfer), so
  // the clerk's figures change.
  async function act(path, body, closes) {
    if (busy || counterId === null) return;
    busy = true;
    updateButtons();
    let error = null;
    try {
      await api("POST", `/api/v1/counters/${counterId}/${path}`, body || {});
    } catch (e) {
      error = e;
    }
    // The answer comes after the commit: the view asked for now includes
    // the action, and its own events, when they arrive, ask for nothing.
    due.forceCounter = true;
    if (closes && !error) due.forceFigures = true;
    await refreshNow();
    busy = false;
    updateButtons();
    if (error) banner(error.message);
  }

  const ticketBody = () => ({ ticket_id: view && view.counter.current ? view.counter.current.ticket_id : null });
  const actions = {
    "btn-call": () => act("call-next"),
    "btn-recall": () => act("recall", ticketBody()),
    "btn-noshow": () => act("no-show", ticketBody(), true),
    "btn-finish": () => act("finish", ticketBody(), true),
    "btn-transfer": () => act("transfer", { ...ticketBody(), to_service: $("transfer-to").value }, true),
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
    refreshNow();
  });

  // The hall's part of an event: the latest calls, the waiting figures.
  function applyToHall(ev) {
    if (ev.type === "ticket_called" || ev.type === "ticket_recalled") {
      hall.recent_calls = [ev.call, ...hall.recent_calls.filter((c) => c.ticket_id !== ev.call.ticket_id)].slice(0, 20);
      renderHallCalls();
    }
    for (const w of ev.waiting || []) {
      const s = hall.services.find((x) => x.id === w.service_id);
      if (s) { s.waiting = w.waiting; s.estimated_wait_minutes = w.estimated_wait_minutes; }
    }
    if (view && ev.waiting && ev.waiting.length) renderWaitingTotal();
  }

  // The counter's part of an event: applied here when the event carries
  // it, owed otherwise.
  function applyToCounter(seq, ev) {
    const own = view && view.counter.id === counterId ? view.counter : null;
    // Until the counter is known, every ticket may be in its queue.
    const serves = (serviceId) => !own || own.services.includes(serviceId);
    const here = (id) => id === counterId;
    const owe = (figures) => {
      due.counter = Math.max(due.counter, seq);
      if (figures) due.figures = Math.max(due.figures, seq);
    };
    switch (ev.type) {
      case "ticket_issued":
        if (serves(ev.service_id)) owe(false);
        break;
      case "ticket_called":
        // Called here, or out of the queue this counter calls from.
        if (here(ev.call.counter_id) || serves(ev.call.service_id)) owe(false);
        break;
      case "ticket_recalled":
        if (!here(ev.call.counter_id)) break;
        if (own && seq > view.seq && own.current && own.current.ticket_id === ev.call.ticket_id) {
          own.current = ev.call;
          render();
        } else {
          owe(false);
        }
        break;
      case "ticket_changed":
        // Finished, no-show or transferred here: the clerk's figures too.
        if (here(ev.counter_id)) owe(true);
        else if (serves(ev.service_id)) owe(false);
        break;
      case "counter_changed": {
        if (!here(ev.counter.id)) break;
        const same = (a, b) => (a ? a.ticket_id : null) === (b ? b.ticket_id : null);
        if (own && seq > view.seq && same(own.current, ev.counter.current)) {
          view.counter = ev.counter;
          render();
        } else {
          owe(false);
        }
        break;
      }
      case "config_changed":
        due.hall = true;
        owe(false);
        break;
      case "day_rolled":
        due.hall = true;
        owe(true);
        break;
      default:
        break;
    }
  }

  Banli.stream((msg) => {
    if (msg.kind === "snapshot") {
      // The first message, or one after a gap or a reconnect: events may
      // have been missed, so everything must have reached it.
      const seq = msg.snapshot.seq;
      if (seq < seen) {
        // The server's history went back (a database restored from a
        // backup): what this page counted no longer means anything.
        seen = 0;
        figuresAt = -1;
        Object.assign(due, { counter: 0, figures: 0, forceCounter: true, forceFigures: true });
      }
      adoptHall(msg.snapshot);
      due.counter = Math.max(due.counter, seq);
      due.figures = Math.max(due.figures, seq);
      refreshSoon();
      return;
    }
    const { seq, event: ev } = msg;
    noteSeq(seq);
    if (hall && seq > hall.seq) {
      applyToHall(ev);
      hall.seq = seq;
    }
    applyToCounter(seq, ev);
    const stale = due.hall || !view || view.seq < due.counter || figuresAt < due.figures;
    if (stale) refreshSoon();
  });

  // Times shown ("waited 12 min") age by themselves.
  setInterval(() => { if (view) render(); }, 30000);
  due.hall = true;
  refreshNow();
})();
