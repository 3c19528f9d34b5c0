// Banli admin console (管理后台): the hall director's pages.
//
// admin.html gives the shell (#page-title, #banner, #page-body and
// main[data-page]); this file fills it. One function per page (see PAGES),
// built from small shared helpers: form rows, field errors placed next to
// their inputs, editable row lists, buttons that are disabled while their
// request is in flight. Chinese first, English when the page language is en.
// No dependencies and no build step. All server text goes through
// Banli.esc; there are no inline styles or handlers (the CSP forbids them).
"use strict";
(function () {
  const B = window.Banli;
  const { t, esc } = B;
  const API = "/api/v1";
  const body = document.getElementById("page-body");
  const byId = (id) => document.getElementById(id);
  const enc = encodeURIComponent;

  const PAGES = {
    dashboard: ["总览", "Dashboard", pageDashboard],
    services: ["业务", "Services", pageServices],
    counters: ["窗口", "Counters", pageCounters],
    rules: ["排队规则", "Rules", pageRules],
    calendar: ["工作日历", "Calendar", pageCalendar],
    staff: ["人员", "Staff", pageStaff],
    devices: ["设备", "Devices", pageDevices],
    notices: ["公告", "Notices", pageNotices],
    guide: ["办事指南", "Guide", pageGuide],
    reports: ["报表", "Reports", pageReports],
    // ratings.js: 好差评 report and settings, follow-ups (整改).
    ratings: ["好差评", "Ratings", () => window.BanliAdminPages.ratings(kit())],
    followups: ["整改", "Follow-ups", () => window.BanliAdminPages.followups(kit())],
    // whatif.js: the simulator's page, in a file of its own.
    whatif: ["模拟 · What-if", "What-if · 模拟", () => window.BanliAdminPages.whatif(kit())],
    audit: ["操作日志", "Audit", pageAudit],
    // admin-cases.js: supervision (督办) and the case report.
    cases: ["办件督办", "Cases", () => window.BanliAdminPages.cases(kit())],
  };

  // ----- Requests, busy buttons, banners --------------------------------------

  const get = (path) => B.api("GET", API + path);
  const send = (method, path, data) => B.api(method, API + path, data);

  // Runs fn with the button disabled, so that a request is never sent twice.
  async function busy(button, fn) {
    if (button && button.disabled) return undefined;
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    try {
      return await fn();
    } finally {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    }
  }

  // busy() plus error handling: clears old errors, reports new ones (next
  // to their fields when ctx says how to find them, else in the banner).
  function act(button, fn, ctx) {
    return busy(button, async () => {
      B.clearBanner();
      if (ctx && ctx.root) clearErrors(ctx.root);
      try {
        return await fn();
      } catch (e) {
        report(e, ctx);
        return undefined;
      }
    });
  }

  let infoTimer = null;
  function info(text) {
    B.banner(text, "info");
    clearTimeout(infoTimer);
    infoTimer = setTimeout(() => {
      const el = byId("banner");
      if (el && el.dataset.kind === "info" && el.textContent === text) B.clearBanner();
    }, 6000);
  }

  // ----- Field errors -----------------------------------------------------------

  // Validation messages come in English; the common ones are said in Chinese
  // on a Chinese page.
  const MESSAGES_ZH = [
    [/must be at least 1 \(leave it out for no quota\)/, "至少为 1（不限量请留空）"],
    [/^must not be empty$/, "不能为空"],
    [/^must be at least (\d+)$/, "至少为 $1"],
    [/^must be 1 to 6 digits$/, "须为 1 到 6 位"],
    [/^must be 1 to 1000$/, "须为 1 到 1000"],
    [/is not one or two capital letters/, "须为一到两个大写字母"],
    [/^prefix "(.*)" is already used by another service$/, "号头 $1 已被其他业务使用"],
    [/^no department "(.*)"$/, "没有部门 $1"],
    [/^no service "(.*)"$/, "没有业务 $1"],
    [/^(\d+) does not fit in (\d+) digits$/, "$1 超出 $2 位数字"],
    [/^must not be greater than last_number$/, "不能大于末号"],
    [/is not an id: use 1-32 of a-z, 0-9 and -/, "编号只能用 1–32 个小写字母、数字和 -"],
    [/^use 1-48 of a-z, 0-9 and -$/, "编号只能用 1–48 个小写字母、数字和 -"],
    [/is defined twice$|is used twice$/, "编号重复"],
    [/is listed twice$/, "重复列出"],
    [/^a counter must serve at least one service$/, "窗口至少要办理一项业务"],
    [/^counter numbers run from 1 to 9999$/, "窗口号须为 1 到 9999"],
    [/^opens at (\S+) but closes at (\S+)$/, "开始 $1 须早于结束 $2"],
    [/overlaps the previous period, which closes at (\S+)/, "与上一时段（至 $1）重叠"],
    [/is not a weekday/, "星期须为 1（周一）到 7（周日）"],
    [/^24:00 is a closing time/, "24:00 只能作结束时间，开始请用 00:00"],
    [/^use 00:00 for midnight$/, "午夜请写 00:00"],
    [/^unknown time zone/, "未知的时区"],
    [/^the hall needs a Chinese name$/, "请填写大厅中文名称"],
    [/^longer than (\d+) characters$/, "超过 $1 个字"],
    [/^at most (\d+) notices$/, "最多 $1 条公告"],
    [/^say what it costs/, "请写明收费标准，不收费写「不收费」"],
    [/committed limit longer than the legal one/, "承诺时限不能长于法定时限"],
  ];
  function fieldMessage(msg) {
    if (B.lang === "en") return msg;
    for (const [re, zh] of MESSAGES_ZH) {
      const m = msg.match(re);
      if (m) return zh.replace(/\$(\d)/g, (_, n) => m[Number(n)] || "");
    }
    return msg;
  }

  // The input a field path points at: `hours.periods[0].open` tries
  // svc-hours-periods-0-open, svc-hours-periods-open, svc-hours-periods-0,
  // svc-hours-periods, svc-hours.
  function findField(prefix, path) {
    if (!path) return null;
    const parts = path.split(".");
    for (let n = parts.length; n > 0; n--) {
      const sub = parts.slice(0, n).join(".");
      for (const cand of [sub.replace(/\[(\d+)\]/g, ".$1"), sub.replace(/\[\d+\]/g, "")]) {
        const el = byId(prefix + "-" + cand.replace(/\./g, "-"));
        if (el) return el;
      }
    }
    return null;
  }

  function markError(el, message) {
    el.classList.add("invalid");
    el.setAttribute("aria-invalid", "true");
    const err = document.createElement("div");
    err.className = "field-error";
    err.textContent = message;
    if (el.id) {
      err.id = el.id + "-error";
      el.setAttribute("aria-describedby", err.id);
      err.dataset.for = el.id;
    }
    // Right under the input (or group), after any message already there.
    let anchor = el;
    while (anchor.nextElementSibling && anchor.nextElementSibling.classList.contains("field-error")) anchor = anchor.nextElementSibling;
    anchor.after(err);
  }

  function clearErrors(root) {
    root.querySelectorAll(".field-error").forEach((e) => e.remove());
    root.querySelectorAll(".invalid").forEach((e) => {
      e.classList.remove("invalid");
      e.removeAttribute("aria-invalid");
      e.removeAttribute("aria-describedby");
    });
  }

  // Typing into a field marked invalid clears its mark.
  function clearOnInput(root) {
    const clear = (ev) => {
      const el = ev.target.closest(".invalid");
      if (!el) return;
      el.classList.remove("invalid");
      el.removeAttribute("aria-invalid");
      root.querySelectorAll(`.field-error[data-for="${CSS.escape(el.id)}"]`).forEach((e) => e.remove());
    };
    root.addEventListener("input", clear);
    root.addEventListener("change", clear);
  }

  // Shows an error: each field problem next to its input (ctx.prefix and
  // ctx.localize turn the server's field path into an input id; ctx.codes
  // maps error codes without fields to an input), the message in the banner.
  function report(e, ctx) {
    if (!(e instanceof B.ApiError)) {
      console.error(e);
      B.banner(t("出现意外错误，请刷新页面后重试。", "Something went wrong; reload the page and try again."));
      return;
    }
    if (e.status === 401) return; // on the way to the login form
    const unplaced = [];
    let first = null;
    const place = (el, msg) => { markError(el, msg); first = first || el; };
    if (ctx && ctx.root) {
      for (const f of e.fields || []) {
        const path = ctx.localize ? ctx.localize(f.field) : f.field;
        const el = findField(ctx.prefix, path);
        if (el) place(el, fieldMessage(f.message)); else unplaced.push(f);
      }
      const target = ctx.codes && ctx.codes[e.code] && byId(ctx.codes[e.code]);
      if (target) place(target, e.message);
      if (e.code === "invalid_body") {
        // serde names the field: "…target type: number_width: invalid value…"
        const m = /target type: ([\w.[\]]+): (.*?)(?: at line \d+.*)?$/.exec(e.message);
        const el = m && findField(ctx.prefix, m[1]);
        if (el) place(el, t("格式不对", "Invalid value"));
      }
    }
    let text = e.message;
    if (unplaced.length) text += " — " + unplaced.map((f) => `${f.field}: ${fieldMessage(f.message)}`).join("；");
    else if (first && (e.code === "invalid_config" || e.code === "invalid_guide")) {
      text = t("内容有误，请修改下面标红的项。", "Some fields need correcting; they are marked in red.");
      if (B.lang === "en") text += " " + e.message;
    }
    B.banner(text, "error");
    if (first && typeof first.focus === "function") first.focus();
  }

  // Problems found before sending: [[inputId, message], …].
  function showLocal(errs, root) {
    clearErrors(root);
    for (const [id, msg] of errs) { const el = byId(id); if (el) markError(el, msg); }
    B.banner(t("请修改标红的项后再保存。", "Please correct the fields marked in red."), "error");
    const first = byId(errs[0][0]);
    if (first) first.focus();
  }

  // ----- Form building ----------------------------------------------------------

  const hint = (s) => (s ? `<div class="hint">${s}</div>` : "");
  // One row of a .form grid: the label, then the control with its hint.
  function row(id, label, control, help) {
    return `<label for="${id}">${label}</label><div class="ctl">${control}${hint(help)}</div>`;
  }
  // A row whose control is a group of checkboxes.
  function groupRow(id, label, control, help) {
    return `<span class="label" id="${id}-label">${label}</span><div class="ctl"><div class="checks" id="${id}" role="group" aria-labelledby="${id}-label">${control}</div>${hint(help)}</div>`;
  }
  const section = (title) => `<h3 class="form-section">${title}</h3>`;
  const attrs = (a) => (a ? " " + a : "");
  const text = (id, v, a) => `<input type="text" id="${id}" name="${id}" value="${esc(v == null ? "" : v)}"${attrs(a)}>`;
  const number = (id, v, a, cls) =>
    `<input type="number" id="${id}" name="${id}" class="${cls || "num"}" min="0" step="1" inputmode="numeric" value="${v == null ? "" : esc(v)}"${attrs(a)}>`;
  const area = (id, v, a, rows) => `<textarea id="${id}" name="${id}" rows="${rows || 2}"${attrs(a)}>${esc(v == null ? "" : v)}</textarea>`;
  const checkbox = (id, on, a) => `<input type="checkbox" id="${id}" name="${id}"${on ? " checked" : ""}${attrs(a)}>`;
  // A checkbox with its own label, for groups.
  const check = (id, on, label, a) => `<span class="check">${checkbox(id, on, a)}<label for="${id}">${label}</label></span>`;
  function select(id, options, selected, a) {
    const opts = options.map(([v, l]) =>
      `<option value="${esc(v)}"${String(v) === String(selected) ? " selected" : ""}>${esc(l)}</option>`).join("");
    return `<select id="${id}" name="${id}"${attrs(a)}>${opts}</select>`;
  }
  function buttons(prefix, saveLabel) {
    return `<div class="actions-row"><button type="submit" class="primary" id="${prefix}-save">${saveLabel || t("保存", "Save")}</button>` +
      `<button type="button" id="${prefix}-cancel">${t("取消", "Cancel")}</button></div>`;
  }
  function card(id, label, sub) {
    return `<div class="card"><div class="k">${label}</div><div class="v" id="${id}">—</div>${sub ? `<div class="sub muted" id="${id}-sub"></div>` : ""}</div>`;
  }
  function emptyRow(cols, msg) { return `<tr class="empty"><td colspan="${cols}" class="muted">${msg}</td></tr>`; }

  // Reading a form.
  const val = (id) => byId(id).value.trim();
  const isChecked = (id) => byId(id).checked;
  // A whole number; blank is null when optional. Problems go into errs.
  function int(id, errs, optional) {
    const s = val(id);
    if (s === "") {
      if (!optional) errs.push([id, t("请填写", "Required")]);
      return null;
    }
    if (!/^\d+$/.test(s)) {
      errs.push([id, t("请填写不小于 0 的整数", "Enter a whole number, 0 or more")]);
      return null;
    }
    return Number(s);
  }
  function required(id, errs, msg) {
    const s = val(id);
    if (!s) errs.push([id, msg || t("请填写", "Required")]);
    return s;
  }

  // Opens a form in place of a list: title, the form, submit and cancel.
  function openForm(html, { formId, focus, onSubmit, onCancel, ctx }) {
    body.innerHTML = html;
    const form = byId(formId);
    clearOnInput(form);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const save = form.querySelector("button[type=submit]");
      act(save, onSubmit, Object.assign({ root: form }, ctx));
    });
    const cancel = form.querySelector("[id$='-cancel']");
    if (cancel) cancel.addEventListener("click", () => { B.clearBanner(); onCancel(); });
    window.scrollTo(0, 0);
    const f = focus && byId(focus);
    if (f) f.focus();
    return form;
  }

  // ----- Hours ------------------------------------------------------------------

  const WEEKDAYS = [[1, "一", "Mon"], [2, "二", "Tue"], [3, "三", "Wed"], [4, "四", "Thu"], [5, "五", "Fri"], [6, "六", "Sat"], [7, "日", "Sun"]];
  const dayName = (d) => { const w = WEEKDAYS[d - 1]; return w ? t("周" + w[1], w[2]) : String(d); };
  const formatPeriods = (ps) => ps.map((p) => `${p.open}-${p.close}`).join(", ");
  function describeHours(h) {
    if (!h) return t("大厅默认", "Hall default");
    const days = h.weekdays.slice().sort((a, b) => a - b);
    let d;
    if (days.length === 7) d = t("每天", "Daily");
    else if (!days.length) d = t("不开放", "Never");
    else {
      const runs = [];
      for (const x of days) {
        const last = runs[runs.length - 1];
        if (last && x === last[1] + 1) last[1] = x; else runs.push([x, x]);
      }
      d = runs.map(([a, b]) => (a === b ? dayName(a) : b === a + 1 ? dayName(a) + t("、", ", ") + dayName(b) : dayName(a) + t("至", "–") + dayName(b))).join(t("、", ", "));
    }
    return `${d} ${formatPeriods(h.periods) || t("无时段", "no hours")}`;
  }
  // The hours editor: periods as text ("09:00-12:00, 13:30-17:00") and a
  // checkbox per weekday. Ids: <base>-periods, <base>-weekdays, <base>-wd-N.
  function hoursEditor(base, hours, placeholder) {
    const days = hours ? hours.weekdays : [1, 2, 3, 4, 5];
    return `<input type="text" id="${base}-periods" name="${base}-periods" class="wide" value="${esc(hours ? formatPeriods(hours.periods) : "")}"` +
      ` placeholder="${esc(placeholder || "09:00-12:00, 13:30-17:00")}" autocomplete="off">` +
      `<div class="checks days" id="${base}-weekdays" role="group" aria-label="${t("每周开放日", "Open days")}">` +
      `<span class="muted">${t("每周：", "Days:")}</span>` +
      WEEKDAYS.map(([d]) => check(`${base}-wd-${d}`, days.includes(d), dayName(d))).join("") + "</div>";
  }
  const TIME = /^([01]?\d|2[0-4]):([0-5]\d)$/;
  const pad = (s) => (s.length === 4 ? "0" + s : s);
  // Reads the editor; blank periods give null when optional (hall default).
  function readHours(base, errs, optional) {
    const s = val(`${base}-periods`);
    if (!s && optional) return null;
    const periods = [];
    for (const part of s.split(/[,，;；、]+/).map((x) => x.trim()).filter(Boolean)) {
      const m = /^(\d{1,2}:\d{2})\s*[-–—~～至到]\s*(\d{1,2}:\d{2})$/.exec(part);
      if (!m || !TIME.test(m[1]) || !TIME.test(m[2])) {
        errs.push([`${base}-periods`, t(`「${part}」看不懂：时段写作 09:00-12:00，多个时段用逗号分开`,
          `Cannot read "${part}": write periods like 09:00-12:00, separated by commas`)]);
        return null;
      }
      periods.push({ open: pad(m[1]), close: pad(m[2]) });
    }
    if (!periods.length) errs.push([`${base}-periods`, t("请至少填写一个时段", "Enter at least one period")]);
    const weekdays = WEEKDAYS.map(([d]) => d).filter((d) => isChecked(`${base}-wd-${d}`));
    if (!weekdays.length) errs.push([`${base}-weekdays`, t("请至少选择一天", "Choose at least one day")]);
    return { weekdays, periods };
  }

  // ----- Editable row lists -----------------------------------------------------

  // Rows in a <tbody> that can be added, removed and moved. render(item, i)
  // gives a row's cells, read(i) reads row i back from the inputs. The
  // buttons of row i have ids <prefix>-<i>-up, -down, -remove.
  function rowList(tbody, { prefix, items, render, read, blank, cols, empty, max, addButton }) {
    const list = { items: items.slice() };
    list.sync = () => { list.items = list.items.map((_, i) => read(i)); return list.items; };
    list.draw = () => {
      const n = list.items.length;
      tbody.innerHTML = n ? list.items.map((it, i) => `<tr data-i="${i}">${render(it, i)}<td class="row-actions">` +
        `<button type="button" class="icon" id="${prefix}-${i}-up" data-move="up" title="${t("上移", "Move up")}" aria-label="${t("上移", "Move up")} ${i + 1}"${i === 0 ? " disabled" : ""}>↑</button>` +
        `<button type="button" class="icon" id="${prefix}-${i}-down" data-move="down" title="${t("下移", "Move down")}" aria-label="${t("下移", "Move down")} ${i + 1}"${i === n - 1 ? " disabled" : ""}>↓</button>` +
        `<button type="button" class="icon danger" id="${prefix}-${i}-remove" data-move="remove" title="${t("删除此行", "Remove row")}" aria-label="${t("删除", "Remove")} ${i + 1}">✕</button>` +
        "</td></tr>").join("") : emptyRow(cols + 1, empty);
      if (addButton) byId(addButton).disabled = max != null && n >= max;
    };
    list.add = () => {
      list.sync();
      list.items.push(blank());
      list.draw();
      const input = tbody.querySelector("tr:last-child input, tr:last-child select");
      if (input) input.focus();
    };
    tbody.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-move]");
      if (!b) return;
      const i = Number(b.closest("tr").dataset.i);
      const items = list.sync();
      const how = b.dataset.move;
      let focus = null;
      if (how === "remove") items.splice(i, 1);
      else {
        const j = how === "up" ? i - 1 : i + 1;
        if (j < 0 || j >= items.length) return;
        [items[i], items[j]] = [items[j], items[i]];
        focus = `${prefix}-${j}-${how}`;
      }
      list.draw();
      const f = focus && byId(focus);
      if (f && !f.disabled) f.focus();
    });
    if (addButton) byId(addButton).addEventListener("click", list.add);
    list.draw();
    return list;
  }

  // ----- Shared lookups and formats ---------------------------------------------

  const PRIORITY = [["elderly", "老年人", "Elderly"], ["disabled", "残疾人", "Disabled"], ["military", "军人", "Military"]];
  const CLOSED = {
    disabled: ["已停用", "Disabled"],
    closed_today: ["今日不办理", "Closed today"],
    outside_hours: ["不在办理时间", "Outside hours"],
    issuing_stopped: ["今日已停止取号", "Issuing stopped"],
    quota_reached: ["今日号已取完", "Quota reached"],
    numbers_exhausted: ["今日号码已用完", "Numbers used up"],
  };
  const KINDS = { kiosk: ["取号机", "Kiosk"], board: ["显示屏", "Board"], monitor: ["监控", "Monitor"], pad: ["评价器", "Rating pad"] };
  const PRINTER = {
    ok: ["正常", "OK", "ok"],
    paper_near_end: ["纸将用完", "Paper low", "warn"],
    paper_out: ["缺纸", "Paper out", "bad"],
    cover_open: ["机盖打开", "Cover open", "bad"],
    offline: ["打印机离线", "Printer offline", "bad"],
    error: ["打印机故障", "Printer error", "bad"],
  };
  const POLICIES = {
    ordered: ["按顺序", "Ordered", "先叫列表中排在前面、且有人等候的业务。", "Calls the first service in the list that has someone waiting."],
    weighted: ["按权重轮流", "Weighted", "各业务按权重比例轮流叫号，例如权重 2 : 1 时叫两个 A 再叫一个 B。", "Services take turns in proportion to their weights: at 2 : 1, two of A, then one of B."],
    oldest_first: ["先到先叫", "Oldest first", "在所有业务中叫等得最久的号。", "Calls the longest-waiting ticket across all its services."],
  };
  const TRANSFER = {
    front: ["排在最前", "At the front"],
    by_issue_time: ["按原取号时间", "By original issue time"],
    back: ["排在最后", "At the back"],
  };
  const tr2 = (pair, fallback) => (pair ? t(pair[0], pair[1]) : fallback);
  const nameOf = (list, id) => { const x = list.find((o) => String(o.id) === String(id)); return x ? B.name(x) : String(id); };
  const mins1 = (secs) => (secs == null ? "—" : (secs / 60).toFixed(1));
  const pct = (r) => (r == null ? "—" : (r * 100).toFixed(1) + "%");
  function dateTime(ms) {
    if (ms == null) return "—";
    return new Date(ms).toLocaleString(B.lang === "en" ? "en-GB" : "zh-CN", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }
  function ago(ms) {
    if (ms == null) return t("从未上报", "Never");
    const s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 60) return t("刚刚", "Just now");
    if (s < 3600) return t(`${Math.floor(s / 60)} 分钟前`, `${Math.floor(s / 60)} min ago`);
    if (s < 86400) return t(`${Math.floor(s / 3600)} 小时前`, `${Math.floor(s / 3600)} h ago`);
    return dateTime(ms);
  }
  function mark(kind, label) { return `<span class="mark ${kind}">${kind === "bad" ? "✕" : "●"} ${esc(label)}</span>`; }
  function printerCell(status) {
    const p = status && status.printer;
    if (!p) return '<span class="muted">—</span>';
    const [zh, en, kind] = PRINTER[p.state] || [p.state, p.state, "bad"];
    return mark(kind, t(zh, en)) + (p.message ? `<div class="muted small">${esc(p.message)}</div>` : "");
  }
  function statusChip(c) {
    const st = c.status || { state: "closed" };
    if (st.state === "open") return `<span class="status-chip" data-state="open">${t("开放", "Open")}</span>`;
    if (st.state === "paused") return `<span class="status-chip" data-state="paused">${t("暂停", "Paused")}${st.reason ? " · " + esc(st.reason) : ""}</span>`;
    return `<span class="status-chip" data-state="closed">${t("关闭", "Closed")}</span>`;
  }
  function rowButtons(prefix, key, extra) {
    const k = esc(key);
    return `<td class="row-actions">${extra || ""}<button type="button" class="small" id="${prefix}-edit-${k}" data-edit="${k}">${t("编辑", "Edit")}</button>` +
      `<button type="button" class="small danger" id="${prefix}-delete-${k}" data-delete="${k}">${t("删除", "Delete")}</button></td>`;
  }
  // Clicks on [data-edit] / [data-delete] buttons of a table.
  function onRowButtons(table, handlers) {
    table.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-edit], button[data-delete], button[data-revoke]");
      if (!b) return;
      if (b.dataset.edit != null && handlers.edit) handlers.edit(b.dataset.edit, b);
      else if (b.dataset.delete != null && handlers.remove) handlers.remove(b.dataset.delete, b);
      else if (b.dataset.revoke != null && handlers.revoke) handlers.revoke(b.dataset.revoke, b);
    });
  }
  function debounce(fn, wait, maxWait) {
    let timer = null;
    let first = 0;
    return () => {
      const now = Date.now();
      if (!timer) first = now;
      clearTimeout(timer);
      timer = setTimeout(() => { timer = null; fn(); }, Math.max(0, Math.min(wait, first + maxWait - now)));
    };
  }

  // ----- 1. Dashboard -----------------------------------------------------------

  function pageDashboard() {
    body.innerHTML = `
      <div class="cards" id="dash-cards">
        ${card("dash-tickets", t("今日取号", "Tickets today"))}
        ${card("dash-served", t("今日办结", "Served today"))}
        ${card("dash-avg-wait", t("今日平均等候", "Average wait today"))}
        ${card("dash-waiting", t("正在等候", "Waiting now"), true)}
        ${card("dash-open-counters", t("开放窗口", "Counters open"))}
        <a class="card" id="dash-followups-card" href="/admin/followups"><div class="k">${t("待办整改", "Open follow-ups")}</div><div class="v" id="dash-followups">—</div><div class="sub muted" id="dash-followups-sub"></div></a>
      </div>
      <section class="panel">
        <h2>${t("各业务排队", "Queues")} <span class="muted small" id="dash-alert-note"></span></h2>
        <table class="list" id="dash-services"><thead><tr>
          <th>${t("业务", "Service")}</th><th class="num">${t("等候", "Waiting")}</th><th class="num">${t("其中优先", "Priority")}</th>
          <th class="num">${t("预计等候", "Est. wait")}</th><th class="num">${t("最长已等", "Longest wait")}</th><th class="num">${t("今日取号", "Issued")}</th><th>${t("取号", "Issuing")}</th>
        </tr></thead><tbody></tbody></table>
      </section>
      <div class="dash-grid">
        <section class="panel">
          <h2>${t("窗口", "Counters")}</h2>
          <table class="list" id="dash-counters"><thead><tr>
            <th>${t("窗口", "Counter")}</th><th>${t("状态", "Status")}</th><th>${t("当前号", "Serving")}</th><th>${t("工作人员", "Staff")}</th><th class="num">${t("今日办结", "Served")}</th>
          </tr></thead><tbody></tbody></table>
        </section>
        <section class="panel">
          <h2>${t("设备", "Devices")}</h2>
          <table class="list" id="dash-devices"><thead><tr>
            <th>${t("设备", "Device")}</th><th>${t("连接", "Link")}</th><th>${t("最近上报", "Last report")}</th><th>${t("打印机", "Printer")}</th>
          </tr></thead><tbody></tbody></table>
        </section>
      </div>
      <p class="muted small" id="dash-updated"></p>`;
    if (window.BanliAdminPages && window.BanliAdminPages.caseCards) window.BanliAdminPages.caseCards(kit());

    let rules = null;
    let staff = [];
    let needConfig = true;
    let running = false;
    let again = false;

    async function refresh() {
      if (running) { again = true; return; }
      running = true;
      try {
        const full = needConfig;
        needConfig = false;
        const [hall, rep, devices, r, s] = await Promise.all([
          get("/hall"), get("/admin/reports"), get("/admin/devices"),
          full ? get("/admin/rules") : rules, full ? get("/admin/staff") : staff,
        ]);
        rules = r;
        staff = s;
        draw(hall, rep, devices);
        drawFollowUps(await get("/follow-ups/summary"));
        if (byId("banner").dataset.kind !== "info") B.clearBanner();
      } catch (e) {
        needConfig = true;
        report(e);
      } finally {
        running = false;
        if (again) { again = false; refresh(); }
      }
    }

    // 好差评: open follow-ups, overdue ones in red.
    function drawFollowUps(f) {
      byId("dash-followups").textContent = f.open;
      byId("dash-followups-sub").textContent = f.overdue || f.callback_overdue
        ? t(`逾期 ${f.overdue} · 回访超期 ${f.callback_overdue}`, `${f.overdue} overdue · ${f.callback_overdue} call-backs late`)
        : t("无逾期", "None overdue");
      byId("dash-followups-card").classList.toggle("alert", f.overdue + f.callback_overdue > 0);
    }

    function draw(hall, rep, devices) {
      const alertAt = rules ? rules.wait_alert_minutes : Infinity;
      byId("dash-tickets").textContent = rep.total.tickets;
      byId("dash-served").textContent = rep.total.served;
      byId("dash-avg-wait").textContent = B.minutes(rep.total.avg_wait_secs);
      const waiting = hall.services.reduce((n, s) => n + s.waiting, 0);
      const prio = hall.services.reduce((n, s) => n + s.priority_waiting, 0);
      byId("dash-waiting").textContent = waiting;
      byId("dash-waiting-sub").textContent = t(`其中优先 ${prio} 人`, `${prio} in the priority lane`);
      const open = hall.counters.filter((c) => c.status && c.status.state === "open").length;
      byId("dash-open-counters").textContent = `${open} / ${hall.counters.length}`;

      let alerts = 0;
      byId("dash-services").tBodies[0].innerHTML = hall.services.map((s) => {
        const late = s.waiting > 0 && s.longest_wait_minutes >= alertAt;
        if (late) alerts++;
        const state = s.is_open
          ? `<span class="mark ok">● ${t("取号中", "Open")}</span>`
          : `<span class="mark muted">○ ${esc(tr2(CLOSED[s.closed_reason], s.closed_reason || t("暂停", "Closed")))}</span>`;
        return `<tr${late ? ' class="alert"' : ""} data-service="${esc(s.id)}">
          <td><span class="prefix">${esc(s.prefix)}</span> ${esc(B.name(s))}</td>
          <td class="num">${s.waiting}</td><td class="num">${s.priority_waiting || ""}</td>
          <td class="num">${s.waiting ? esc(s.estimated_wait_minutes) + t(" 分钟", " min") : "—"}</td>
          <td class="num${late ? " late" : ""}">${late ? "⚠ " : ""}${s.waiting ? esc(s.longest_wait_minutes) + t(" 分钟", " min") : "—"}</td>
          <td class="num">${s.issued_today}</td><td>${state}</td></tr>`;
      }).join("") || emptyRow(7, t("尚未设置业务", "No services yet"));
      byId("dash-alert-note").textContent = rules
        ? (alerts ? t(`${alerts} 项业务有人已等候 ${alertAt} 分钟以上`, `${alerts} with someone waiting ${alertAt} min or more`)
          : t(`等候超过 ${alertAt} 分钟时标红`, `Marked red after ${alertAt} min`)) : "";
      byId("dash-alert-note").classList.toggle("alert", alerts > 0);

      const staffName = (u) => { const a = staff.find((x) => x.username === u); return a ? `${a.display_name}` : u; };
      byId("dash-counters").tBodies[0].innerHTML = hall.counters.map((c) => `<tr data-counter="${c.id}">
          <td>${esc(B.name(c))}</td><td>${statusChip(c)}</td>
          <td class="ticket-no">${c.current ? esc(c.current.number) : '<span class="muted">—</span>'}</td>
          <td>${c.staff ? esc(staffName(c.staff)) : '<span class="muted">—</span>'}</td>
          <td class="num">${c.served_today}</td></tr>`).join("") || emptyRow(5, t("尚未设置窗口", "No counters yet"));

      const live = devices.filter((d) => d.revoked_at_ms == null);
      byId("dash-devices").tBodies[0].innerHTML = live.map((d) => {
        const bad = d.status && d.status.printer && PRINTER[d.status.printer.state] && PRINTER[d.status.printer.state][2] === "bad";
        const link = d.kind === "monitor" ? '<span class="muted">—</span>'
          : d.online ? mark("ok", t("在线", "Online")) : `<span class="mark warn">○ ${t("离线", "Offline")}</span>`;
        return `<tr${bad ? ' class="attention"' : ""} data-device="${d.id}">
          <td>${esc(d.name)}<div class="muted small">${esc(tr2(KINDS[d.kind], d.kind))}</div></td>
          <td class="nowrap">${link}</td><td class="nowrap">${esc(ago(d.last_seen_ms))}</td>
          <td>${printerCell(d.status)}${d.status && d.status.note ? `<div class="muted small">${esc(d.status.note)}</div>` : ""}</td></tr>`;
      }).join("") || emptyRow(4, t("尚未登记设备", "No devices registered"));

      byId("dash-updated").textContent = t("更新于 ", "Updated ") + new Date().toLocaleTimeString(B.lang === "en" ? "en-GB" : "zh-CN");
    }

    const later = debounce(refresh, 600, 2500);
    refresh();
    B.stream((msg) => {
      if (msg.kind === "snapshot" || (msg.event && msg.event.type === "config_changed")) needConfig = true;
      later();
    });
    // Devices report without events on the stream: look again now and then.
    setInterval(later, 30000);
  }

  // ----- 2. Services ------------------------------------------------------------

  async function pageServices() {
    let services = [];
    let departments = [];
    let rules = null;

    async function load() {
      [services, departments, rules] = await Promise.all([get("/admin/services"), get("/admin/departments"), get("/admin/rules")]);
    }

    function list() {
      body.innerHTML = `
        <div class="toolbar"><button type="button" class="primary" id="svc-new">${t("新增业务", "New service")}</button>
          <span class="muted">${t(`共 ${services.length} 项业务`, `${services.length} services`)}</span></div>
        <table class="list" id="svc-table"><thead><tr>
          <th>${t("号头", "Prefix")}</th><th>${t("业务", "Service")}</th><th>${t("部门", "Department")}</th>
          <th>${t("号码", "Numbers")}</th><th class="num">${t("每日限量", "Daily quota")}</th><th>${t("办理时间", "Hours")}</th><th>${t("绿色通道", "Priority")}</th><th>${t("状态", "State")}</th><th></th>
        </tr></thead><tbody>${services.map((s) => `<tr data-service="${esc(s.id)}"${s.enabled ? "" : ' class="disabled"'}>
          <td><span class="prefix">${esc(s.prefix)}</span></td><td>${esc(B.name(s))}<div class="muted small mono">${esc(s.id)}</div></td>
          <td>${esc(nameOf(departments, s.department))}</td>
          <td class="mono nowrap">${esc(s.prefix + String(s.first_number).padStart(s.number_width, "0"))}–${esc(s.prefix + String(s.last_number).padStart(s.number_width, "0"))}</td>
          <td class="num">${s.daily_quota == null ? t("不限", "None") : esc(s.daily_quota)}</td>
          <td class="small">${esc(describeHours(s.hours))}</td>
          <td class="small">${s.priority_classes.map((c) => esc(tr2(PRIORITY.find((p) => p[0] === c) && PRIORITY.find((p) => p[0] === c).slice(1), c))).join(t("、", ", ")) || "—"}${s.appointments ? `<div class="muted">${t("可预约", "Appointments")}</div>` : ""}</td>
          <td>${s.enabled ? mark("ok", t("启用", "Enabled")) : `<span class="mark muted">○ ${t("停用", "Disabled")}</span>`}</td>
          ${rowButtons("svc", s.id)}</tr>`).join("") || emptyRow(9, t("还没有业务，点「新增业务」开始。", "No services yet: add one."))}</tbody></table>`;
      byId("svc-new").addEventListener("click", () => edit(null));
      onRowButtons(byId("svc-table"), {
        edit: (id) => edit(services.find((s) => s.id === id)),
        remove: (id, btn) => remove(services.find((s) => s.id === id), btn),
      });
    }

    function edit(svc) {
      const isNew = !svc;
      const s = svc || {
        id: "", name_zh: "", name_en: "", prefix: "", department: departments[0] ? departments[0].id : "",
        number_width: 3, first_number: 1, last_number: 999, daily_quota: null, hours: null, stop_issuing_minutes: null,
        priority_classes: [], appointments: false, expected_handle_minutes: null, enabled: true,
      };
      const defHours = rules ? describeHours(rules.default_hours) : "";
      openForm(`
        <h2 class="form-title">${isNew ? t("新增业务", "New service") : t("编辑业务：", "Edit service: ") + esc(B.name(s))}</h2>
        <form class="form" id="svc-form" novalidate>
          ${section(t("基本信息", "Basics"))}
          ${row("svc-id", t("业务编号", "Id"), text("svc-id", s.id, isNew ? 'autocomplete="off" spellcheck="false"' : "readonly"),
            isNew ? t("小写字母、数字和 -，如 business-setup。保存后不能更改：历史和报表按它关联。", "a-z, 0-9 and -, e.g. business-setup. It cannot change later: history and reports refer to it.")
              : t("编号不能更改。", "The id cannot change."))}
          ${row("svc-name_zh", t("中文名称", "Chinese name"), text("svc-name_zh", s.name_zh, 'class="wide"'), t("显示在取号机、显示屏和号票上。", "Shown on kiosks, boards and tickets."))}
          ${row("svc-name_en", t("英文名称", "English name"), text("svc-name_en", s.name_en, 'class="wide"'))}
          ${row("svc-department", t("所属部门", "Department"), select("svc-department", departments.map((d) => [d.id, B.name(d)]), s.department))}
          ${section(t("号码", "Numbers"))}
          ${row("svc-prefix", t("号头", "Prefix"), text("svc-prefix", s.prefix, 'maxlength="2" class="short" autocomplete="off"'), t("一到两个大写字母，各业务不同：A 业务的号为 A001。", "One or two capital letters, unique: prefix A gives A001."))}
          ${row("svc-number_width", t("号码位数", "Digits"), number("svc-number_width", s.number_width, 'min="1" max="6"'), t("号头后的数字位数，1–6。", "Digits after the prefix, 1-6."))}
          ${row("svc-first_number", t("起始号", "First number"), number("svc-first_number", s.first_number), t("每个营业日从这个号开始。", "Each business day starts here."))}
          ${row("svc-last_number", t("最大号", "Last number"), number("svc-last_number", s.last_number), t("一天最多发到这个号。", "No number above this is issued in a day."))}
          ${row("svc-daily_quota", t("每日限量", "Daily quota"), number("svc-daily_quota", s.daily_quota, `min="1" placeholder="${t("不限", "none")}"`), t("每天最多发多少个号；留空则不限。", "Most tickets a day; blank for no quota."))}
          ${section(t("取号与办理", "Issuing and handling"))}
          ${row("svc-hours-periods", t("办理时间", "Hours"), hoursEditor("svc-hours", s.hours, t("留空则用大厅默认时间", "Blank: the hall's default hours")),
            t(`例如 09:00-12:00, 13:30-17:00。留空则用大厅默认时间（${esc(defHours)}），星期选择也随之不用。`, `e.g. 09:00-12:00, 13:30-17:00. Blank uses the hall's default hours (${esc(defHours)}), and the days are ignored.`))}
          ${row("svc-stop_issuing_minutes", t("停止取号", "Stop issuing"), number("svc-stop_issuing_minutes", s.stop_issuing_minutes, `placeholder="${rules ? esc(rules.stop_issuing_minutes) : ""}"`),
            t("下班前多少分钟停止取号；留空则按排队规则。", "Minutes before closing when issuing stops; blank follows the hall rule."))}
          ${row("svc-expected_handle_minutes", t("预计办理时长", "Expected handle time"), number("svc-expected_handle_minutes", s.expected_handle_minutes, `min="1" placeholder="${rules ? esc(rules.default_handle_minutes) : ""}"`),
            t("每件大约几分钟，用于估算等候时间，直到有实际数据；留空则按排队规则。", "Minutes per ticket for wait estimates until real figures exist; blank follows the hall rule."))}
          ${groupRow("svc-priority_classes", t("绿色通道", "Priority lane"), PRIORITY.map(([c, zh, en]) => check(`svc-pc-${c}`, s.priority_classes.includes(c), t(zh, en))).join(""),
            t("可以取优先号的人群。", "Who may take a priority ticket."))}
          ${row("svc-appointments", t("接受预约", "Appointments"), checkbox("svc-appointments", s.appointments), t("预约的市民可以在取号机签到取号。", "Booked citizens can check in at a kiosk."))}
          ${row("svc-enabled", t("启用", "Enabled"), checkbox("svc-enabled", s.enabled), t("停用的业务保留历史记录，但不再发号。", "A disabled service keeps its history but issues no tickets."))}
          ${buttons("svc")}
        </form>`, {
        formId: "svc-form",
        focus: isNew ? "svc-id" : "svc-name_zh",
        onCancel: list,
        ctx: { prefix: "svc", localize: (f) => f.replace(/^services\[\d+\]\./, ""), codes: { id_mismatch: "svc-id" } },
        onSubmit: async () => {
          const errs = [];
          const id = required("svc-id", errs, t("请填写业务编号", "Enter an id"));
          const data = {
            id,
            name_zh: val("svc-name_zh"),
            name_en: val("svc-name_en"),
            prefix: val("svc-prefix"),
            department: val("svc-department"),
            number_width: int("svc-number_width", errs),
            first_number: int("svc-first_number", errs),
            last_number: int("svc-last_number", errs),
            daily_quota: int("svc-daily_quota", errs, true),
            hours: readHours("svc-hours", errs, true),
            stop_issuing_minutes: int("svc-stop_issuing_minutes", errs, true),
            priority_classes: PRIORITY.map((p) => p[0]).filter((c) => isChecked(`svc-pc-${c}`)),
            appointments: isChecked("svc-appointments"),
            expected_handle_minutes: int("svc-expected_handle_minutes", errs, true),
            enabled: isChecked("svc-enabled"),
          };
          if (errs.length) return showLocal(errs, byId("svc-form"));
          const saved = await send("PUT", `/admin/services/${enc(id)}`, data);
          await load();
          list();
          info(t(`已保存业务「${saved.name_zh}」。`, `Saved ${saved.name_en || saved.name_zh}.`));
        },
      });
    }

    async function remove(s, btn) {
      if (!s || !confirm(t(`确定删除业务「${s.name_zh}」吗？\n只有没有人排队、也没有窗口办理它的业务才能删除；想暂时不发号，可以改为停用。`,
        `Delete the service "${B.name(s)}"?\nOnly a service with no open tickets and no counter serving it can be deleted; to stop issuing for now, disable it instead.`))) return;
      await act(btn, async () => {
        await send("DELETE", `/admin/services/${enc(s.id)}`);
        await load();
        list();
        info(t(`已删除业务「${s.name_zh}」。`, `Deleted ${B.name(s)}.`));
      });
    }

    try { await load(); list(); } catch (e) { report(e); }
  }

  // ----- 3. Counters ------------------------------------------------------------

  async function pageCounters() {
    let counters = [];
    let services = [];
    let departments = [];

    async function load() {
      [counters, services, departments] = await Promise.all([get("/admin/counters"), get("/admin/services"), get("/admin/departments")]);
    }

    function list() {
      body.innerHTML = `
        <div class="toolbar"><button type="button" class="primary" id="cnt-new">${t("新增窗口", "New counter")}</button>
          <span class="muted">${t(`共 ${counters.length} 个窗口`, `${counters.length} counters`)}</span></div>
        <table class="list" id="cnt-table"><thead><tr>
          <th class="num">${t("窗口号", "No.")}</th><th>${t("名称", "Name")}</th><th>${t("区域", "Zone")}</th><th>${t("部门", "Department")}</th>
          <th>${t("办理业务", "Services")}</th><th>${t("叫号方式", "Policy")}</th><th>${t("自动叫号", "Auto call")}</th><th></th>
        </tr></thead><tbody>${counters.map((c) => `<tr data-counter="${c.id}">
          <td class="num">${c.id}</td><td>${esc(B.name(c))}</td><td>${esc(c.zone) || "—"}</td><td>${esc(nameOf(departments, c.department))}</td>
          <td class="small">${c.services.map((cs) => esc(nameOf(services, cs.service)) + (c.policy === "weighted" ? ` ×${cs.weight}` : "")).join(t("、", ", "))}</td>
          <td>${esc(tr2(POLICIES[c.policy], c.policy))}</td><td>${c.auto_call ? t("是", "Yes") : t("否", "No")}</td>
          ${rowButtons("cnt", c.id)}</tr>`).join("") || emptyRow(8, t("还没有窗口，点「新增窗口」开始。", "No counters yet: add one."))}</tbody></table>`;
      byId("cnt-new").addEventListener("click", () => edit(null));
      onRowButtons(byId("cnt-table"), {
        edit: (id) => edit(counters.find((c) => String(c.id) === id)),
        remove: (id, btn) => remove(counters.find((c) => String(c.id) === id), btn),
      });
    }

    function edit(counter) {
      const isNew = !counter;
      const next = counters.reduce((m, c) => Math.max(m, c.id), 0) + 1;
      const c = counter || {
        id: next, name_zh: `${next}号窗口`, name_en: `Counter ${next}`, zone: "", department: departments[0] ? departments[0].id : "",
        services: [], policy: "ordered", auto_call: false,
      };
      const svcOptions = services.map((s) => [s.id, `${s.prefix} · ${B.name(s)}${s.enabled ? "" : t("（停用）", " (disabled)")}`]);
      const form = openForm(`
        <h2 class="form-title">${isNew ? t("新增窗口", "New counter") : t("编辑窗口：", "Edit counter: ") + esc(B.name(c))}</h2>
        <form class="form" id="cnt-form" novalidate>
          ${row("cnt-id", t("窗口号", "Number"), number("cnt-id", c.id, `min="1" max="9999"${isNew ? "" : " readonly"}`),
            isNew ? t("窗口上方的号码，1–9999。", "The number above the window, 1-9999.") : t("窗口号不能更改。", "The number cannot change."))}
          ${row("cnt-name_zh", t("中文名称", "Chinese name"), text("cnt-name_zh", c.name_zh, 'class="wide"'), t("如「5号窗口 · 企业开办」，显示屏上呼叫时使用。", "e.g. 「5号窗口 · 企业开办」, used when boards call."))}
          ${row("cnt-name_en", t("英文名称", "English name"), text("cnt-name_en", c.name_en, 'class="wide"'))}
          ${row("cnt-zone", t("区域", "Zone"), text("cnt-zone", c.zone), t("楼层或区域，如「一楼」；显示屏可只显示本区域。", "Floor or area, e.g. 1F; a board can show only its zone."))}
          ${row("cnt-department", t("所属部门", "Department"), select("cnt-department", departments.map((d) => [d.id, B.name(d)]), c.department))}
          <span class="label" id="cnt-services-label">${t("办理业务", "Services")}</span>
          <div class="ctl">
            <table class="rows" id="cnt-services" aria-labelledby="cnt-services-label"><thead><tr>
              <th>${t("业务", "Service")}</th><th>${t("权重", "Weight")}</th><th></th></tr></thead><tbody></tbody></table>
            <button type="button" id="cnt-service-add">${t("+ 添加业务", "+ Add service")}</button>
            ${hint(t("按优先顺序排列。权重只在「按权重轮流」时使用，1–1000。", "In order of preference. Weights (1-1000) apply only to the weighted policy."))}
          </div>
          ${row("cnt-policy", t("叫号方式", "Calling policy"), select("cnt-policy", Object.entries(POLICIES).map(([k, v]) => [k, t(v[0], v[1])]), c.policy) +
            `<div class="hint" id="cnt-policy-hint"></div>`)}
          ${row("cnt-auto_call", t("自动叫号", "Auto call"), checkbox("cnt-auto_call", c.auto_call), t("办结后自动叫下一位。", "Call the next ticket as soon as one is finished."))}
          ${buttons("cnt")}
        </form>`, {
        formId: "cnt-form",
        focus: isNew ? "cnt-id" : "cnt-name_zh",
        onCancel: list,
        ctx: { prefix: "cnt", localize: (f) => f.replace(/^counters\[\d+\]\./, ""), codes: { id_mismatch: "cnt-id" } },
        onSubmit: async () => {
          const errs = [];
          const id = int("cnt-id", errs);
          const rows = rowsList.sync();
          rows.forEach((r, i) => { if (r.weight == null || !/^\d+$/.test(String(r.weight))) errs.push([`cnt-services-${i}-weight`, t("请填写 1–1000 的整数", "Enter 1-1000")]); });
          if (!rows.length) errs.push(["cnt-services", t("请至少添加一项业务", "Add at least one service")]);
          const data = {
            id,
            name_zh: val("cnt-name_zh"),
            name_en: val("cnt-name_en"),
            zone: val("cnt-zone"),
            department: val("cnt-department"),
            services: rows.map((r) => ({ service: r.service, weight: Number(r.weight) })),
            policy: val("cnt-policy"),
            auto_call: isChecked("cnt-auto_call"),
          };
          if (errs.length) return showLocal(errs, byId("cnt-form"));
          const saved = await send("PUT", `/admin/counters/${id}`, data);
          await load();
          list();
          info(t(`已保存「${saved.name_zh}」。`, `Saved ${saved.name_en || saved.name_zh}.`));
        },
      });
      const rowsList = rowList(form.querySelector("#cnt-services tbody"), {
        prefix: "cnt-services",
        items: isNew && services.length ? [{ service: services[0].id, weight: 1 }] : c.services,
        cols: 2,
        empty: t("尚未添加业务", "No services yet"),
        addButton: "cnt-service-add",
        blank: () => ({ service: (services.find((s) => !rowsList.items.some((r) => r.service === s.id)) || services[0] || {}).id || "", weight: 1 }),
        render: (r, i) => `<td><label class="sr" for="cnt-services-${i}-service">${t(`第 ${i + 1} 项业务`, `Service ${i + 1}`)}</label>${select(`cnt-services-${i}-service`, svcOptions, r.service)}</td>` +
          `<td><label class="sr" for="cnt-services-${i}-weight">${t(`第 ${i + 1} 项权重`, `Weight ${i + 1}`)}</label>${number(`cnt-services-${i}-weight`, r.weight, 'min="1" max="1000"', "tiny")}</td>`,
        read: (i) => ({ service: val(`cnt-services-${i}-service`), weight: val(`cnt-services-${i}-weight`) }),
      });
      const policyHint = () => { const p = POLICIES[val("cnt-policy")]; byId("cnt-policy-hint").textContent = p ? t(p[2], p[3]) : ""; };
      byId("cnt-policy").addEventListener("change", policyHint);
      policyHint();
    }

    async function remove(c, btn) {
      if (!c || !confirm(t(`确定删除「${c.name_zh}」吗？正在办理业务的窗口不能删除。`, `Delete "${B.name(c)}"? A counter serving a ticket cannot be deleted.`))) return;
      await act(btn, async () => {
        await send("DELETE", `/admin/counters/${c.id}`);
        await load();
        list();
        info(t(`已删除「${c.name_zh}」。`, `Deleted ${B.name(c)}.`));
      });
    }

    try { await load(); list(); } catch (e) { report(e); }
  }

  // ----- 4. Rules and hall ------------------------------------------------------

  async function pageRules() {
    let rules;
    let hall;
    try {
      [rules, hall] = await Promise.all([get("/admin/rules"), get("/admin/hall")]);
    } catch (e) { report(e); return; }
    const r = rules;
    const n = (key, label, help, a) => row(`rule-${key}`, label, number(`rule-${key}`, r[key], a), help);
    body.innerHTML = `
      <form class="form" id="rule-form" novalidate>
        ${section(t("叫号与公平", "Calling and fairness"))}
        ${n("priority_burst", t("优先号连续上限", "Priority burst"), t("同一业务有普通号在等时，最多连续叫几个优先号（绿色通道、预约），保证普通号不被一直插队。", "At most this many priority tickets in a row while normal tickets of the service wait."), 'min="1"')}
        ${n("max_recalls", t("最多重呼次数", "Max recalls"), t("一个号最多重呼几次，之后只能按过号处理。", "Recalls allowed before a ticket must be marked a no-show."))}
        ${n("requeue_after", t("过号重排位置", "Re-queue after"), t("过号的人重新排队时，排在几个等候的人之后。", "A re-queued no-show goes in after this many waiting tickets."))}
        ${n("requeue_window_minutes", t("过号重排时限（分钟）", "Re-queue window (min)"), t("过号后多少分钟内还可以重新排队；超过则需重新取号。", "A no-show may re-queue only within this many minutes."))}
        ${row("rule-transfer_position", t("转办后位置", "Transfer position"), select("rule-transfer_position", Object.entries(TRANSFER).map(([k, v]) => [k, t(v[0], v[1])]), r.transfer_position),
          t("号被转到另一项业务（如受理后转收费）时，在新队列中排在哪里。", "Where a ticket transferred to another service (e.g. to the cashier) goes in its new queue."))}
        ${section(t("预约", "Appointments"))}
        ${n("appointment_early_minutes", t("可提前签到（分钟）", "Early check-in (min)"), t("预约时间前多少分钟内签到，按优先号排队。", "Checked in this many minutes before the slot, an appointment is priority."))}
        ${n("appointment_late_minutes", t("可迟到（分钟）", "Late check-in (min)"), t("迟到多少分钟内仍按优先号；更晚则按普通号排队。", "Up to this many minutes late it is still priority; later it queues as normal."))}
        ${section(t("时间与估算", "Hours and estimates"))}
        ${row("rule-default_hours-periods", t("默认办理时间", "Default hours"), hoursEditor("rule-default_hours", r.default_hours),
          t("没有单独设置办理时间的业务都用这个时间。例如 09:00-12:00, 13:30-17:00；全天写 00:00-24:00。", "For services without hours of their own, e.g. 09:00-12:00, 13:30-17:00; all day is 00:00-24:00."))}
        ${n("stop_issuing_minutes", t("停止取号（分钟）", "Stop issuing (min)"), t("下班前多少分钟停止取号，以免号发出却办不完；业务可单独设置。", "Minutes before closing when kiosks stop issuing; a service may set its own."))}
        ${n("default_handle_minutes", t("默认办理时长（分钟）", "Default handle time (min)"), t("还没有实际数据时，估算等候用的每件办理时长。", "Handle time assumed for wait estimates until real averages exist."), 'min="1"')}
        ${n("wait_alert_minutes", t("等候提醒（分钟）", "Wait alert (min)"), t("有人等候超过这个时间，总览页把该业务标红。", "The dashboard marks a service red when someone has waited this long."))}
        <div class="actions-row"><button type="submit" class="primary" id="rule-save">${t("保存排队规则", "Save rules")}</button></div>
      </form>
      <h2 class="form-title">${t("大厅信息", "Hall")}</h2>
      <form class="form" id="hall-form" novalidate>
        ${row("hall-name_zh", t("中文名称", "Chinese name"), text("hall-name_zh", hall.name_zh, 'class="wide"'), t("印在号票上，显示在显示屏和取号机上。", "Printed on tickets, shown on boards and kiosks."))}
        ${row("hall-name_en", t("英文名称", "English name"), text("hall-name_en", hall.name_en, 'class="wide"'))}
        ${row("hall-timezone", t("时区", "Time zone"), text("hall-timezone", hall.timezone, 'list="hall-timezones" autocomplete="off" spellcheck="false"') +
          '<datalist id="hall-timezones"><option value="Asia/Shanghai"><option value="Asia/Urumqi"><option value="Asia/Hong_Kong"><option value="Asia/Macau"><option value="Asia/Taipei"></datalist>',
          t("IANA 时区名，如 Asia/Shanghai；办理时间和营业日按它计算。", "IANA name, e.g. Asia/Shanghai; opening hours and the business day use it."))}
        ${row("hall-day_rollover", t("营业日切换", "Day roll-over"), text("hall-day_rollover", hall.day_rollover, 'class="short" placeholder="03:00" autocomplete="off"'),
          t("每天到这个时刻换成新的营业日：号码从头开始，还在等候的号作废。通常设在夜间，如 03:00。", "At this time each day a new business day begins: numbers restart and waiting tickets expire. Usually at night, e.g. 03:00."))}
        ${row("hall-session_hours", t("登录有效期（小时）", "Login lasts (hours)"), number("hall-session_hours", hall.session_hours, 'min="1" max="72"'),
          t("工作人员登录后最长多少小时须重新登录（1–72）。", "Staff must log in again after this many hours (1-72)."))}
        ${row("hall-session_idle_minutes", t("无操作自动退出（分钟）", "Idle sign-out (min)"), number("hall-session_idle_minutes", hall.session_idle_minutes, 'min="0"'),
          t("登录后连续这么多分钟没有操作即自动退出；0 为不自动退出。", "A login unused for this many minutes ends; 0 turns this off."))}
        <div class="actions-row"><button type="submit" class="primary" id="hall-save">${t("保存大厅信息", "Save hall")}</button></div>
      </form>`;

    const ruleForm = byId("rule-form");
    clearOnInput(ruleForm);
    ruleForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("rule-save"), async () => {
        const errs = [];
        const data = {};
        for (const key of ["priority_burst", "max_recalls", "requeue_after", "requeue_window_minutes", "appointment_early_minutes",
          "appointment_late_minutes", "stop_issuing_minutes", "default_handle_minutes", "wait_alert_minutes"]) data[key] = int(`rule-${key}`, errs);
        data.transfer_position = val("rule-transfer_position");
        data.default_hours = readHours("rule-default_hours", errs, false);
        if (errs.length) return showLocal(errs, ruleForm);
        rules = await send("PUT", "/admin/rules", data);
        info(t("排队规则已保存，立即生效。", "Rules saved; they apply at once."));
      }, { root: ruleForm, prefix: "rule", localize: (f) => f.replace(/^rules\./, "") });
    });

    const hallForm = byId("hall-form");
    clearOnInput(hallForm);
    hallForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("hall-save"), async () => {
        const errs = [];
        const data = {
          name_zh: required("hall-name_zh", errs, t("请填写大厅中文名称", "Enter the Chinese name")),
          name_en: val("hall-name_en"),
          timezone: required("hall-timezone", errs),
          day_rollover: pad(val("hall-day_rollover")),
          session_hours: int("hall-session_hours", errs),
          session_idle_minutes: int("hall-session_idle_minutes", errs),
        };
        if (!TIME.test(data.day_rollover)) errs.push(["hall-day_rollover", t("请写成 03:00 这样的时刻", "Write a time like 03:00")]);
        if (errs.length) return showLocal(errs, hallForm);
        hall = await send("PUT", "/admin/hall", data);
        info(t("大厅信息已保存。", "Hall saved."));
      }, { root: hallForm, prefix: "hall", localize: (f) => f.replace(/^hall\./, "") });
    });
  }

  // ----- 5. Staff ---------------------------------------------------------------

  async function pageStaff() {
    let staff = [];
    let counters = [];
    const ROLES = { staff: ["窗口人员", "Counter staff"], admin: ["管理员", "Administrator"] };

    async function load() {
      [staff, counters] = await Promise.all([get("/admin/staff"), get("/admin/counters")]);
    }

    function list() {
      body.innerHTML = `
        <div class="toolbar"><button type="button" class="primary" id="staff-new">${t("新增人员", "New account")}</button>
          <span class="muted">${t(`共 ${staff.length} 个账号`, `${staff.length} accounts`)}</span></div>
        <table class="list" id="staff-table"><thead><tr>
          <th>${t("用户名", "Username")}</th><th>${t("姓名", "Name")}</th><th>${t("工号", "Staff no.")}</th><th>${t("角色", "Role")}</th><th>${t("可用窗口", "Counters")}</th><th>${t("状态", "State")}</th><th></th>
        </tr></thead><tbody>${staff.map((a) => `<tr data-username="${esc(a.username)}"${a.disabled ? ' class="disabled"' : ""}>
          <td class="mono">${esc(a.username)}</td><td>${esc(a.display_name)}</td>
          <td class="mono">${a.staff_no ? esc(a.staff_no) : '<span class="muted">—</span>'}</td><td>${esc(tr2(ROLES[a.role], a.role))}</td>
          <td class="small">${a.role === "admin" ? t("全部", "All") : a.counters.map((c) => esc(nameOf(counters, c))).join(t("、", ", ")) || "—"}</td>
          <td>${a.disabled ? `<span class="mark muted">○ ${t("已停用", "Disabled")}</span>` : mark("ok", t("正常", "Active"))}</td>
          ${rowButtons("staff", a.username)}</tr>`).join("") || emptyRow(7, t("没有账号", "No accounts"))}</tbody></table>`;
      byId("staff-new").addEventListener("click", () => edit(null));
      onRowButtons(byId("staff-table"), {
        edit: (u) => edit(staff.find((a) => a.username === u)),
        remove: (u, btn) => remove(staff.find((a) => a.username === u), btn),
      });
    }

    function edit(acct) {
      const isNew = !acct;
      const a = acct || { username: "", display_name: "", role: "staff", counters: [], disabled: false, staff_no: null };
      openForm(`
        <h2 class="form-title">${isNew ? t("新增人员", "New account") : t("编辑人员：", "Edit account: ") + esc(a.display_name)}</h2>
        <form class="form" id="staff-form" novalidate autocomplete="off">
          ${row("staff-username", t("用户名", "Username"), text("staff-username", a.username, isNew ? 'autocomplete="off" spellcheck="false"' : "readonly"),
            isNew ? t("登录用，2–32 位字母、数字或 _ . -；保存后不能更改。", "For signing in: 2-32 of letters, digits, _ . -; it cannot change later.") : t("用户名不能更改。", "The username cannot change."))}
          ${row("staff-display_name", t("姓名", "Name"), text("staff-display_name", a.display_name), t("显示在窗口工作台上。", "Shown on the counter console."))}
          ${row("staff-staff_no", t("工号", "Staff no."), text("staff-staff_no", a.staff_no, 'maxlength="20" class="short" autocomplete="off" spellcheck="false"'),
            t("选填，1–20 位，不含空格，各账号不能重复。评价器按「好差评」设置显示工号；没有工号时显示姓名。", "Optional: 1-20 characters, no spaces, unique across accounts. The rating pad shows it as the 好差评 settings say; without one it shows the name."))}
          ${row("staff-role", t("角色", "Role"), select("staff-role", Object.entries(ROLES).map(([k, v]) => [k, t(v[0], v[1])]), a.role),
            t("管理员可以进入本后台并操作任何窗口。", "Administrators use this console and may operate any counter."))}
          ${groupRow("staff-counters", t("可用窗口", "Counters"), counters.map((c) => check(`staff-counter-${c.id}`, a.counters.includes(c.id), esc(B.name(c)))).join("") ||
            `<span class="muted">${t("尚未设置窗口", "No counters yet")}</span>`, t("窗口人员只能在勾选的窗口上叫号。", "Counter staff can only work the counters ticked here."))}
          ${row("staff-password", t("密码", "Password"), `<input type="password" id="staff-password" name="staff-password" autocomplete="new-password">`,
            isNew ? t("新账号必须设置，至少 8 位。", "Required for a new account; at least 8 characters.") : t("留空则不修改；修改后该账号需重新登录。", "Leave blank to keep it; a new password signs the account out."))}
          ${row("staff-disabled", t("停用账号", "Disabled"), checkbox("staff-disabled", a.disabled), t("停用后不能登录，已登录的会话立即结束。", "A disabled account cannot sign in; its sessions end at once."))}
          ${buttons("staff")}
        </form>`, {
        formId: "staff-form",
        focus: isNew ? "staff-username" : "staff-display_name",
        onCancel: list,
        ctx: {
          prefix: "staff",
          codes: {
            weak_password: "staff-password", password_required: "staff-password", invalid_username: "staff-username",
            invalid_display_name: "staff-display_name", unknown_counter: "staff-counters",
            invalid_staff_no: "staff-staff_no", staff_no_taken: "staff-staff_no",
          },
        },
        onSubmit: async () => {
          const errs = [];
          const username = required("staff-username", errs, t("请填写用户名", "Enter a username"));
          const data = {
            display_name: val("staff-display_name"),
            role: val("staff-role"),
            counters: counters.map((c) => c.id).filter((id) => isChecked(`staff-counter-${id}`)),
            disabled: isChecked("staff-disabled"),
            // Blank: the account has no staff number.
            staff_no: val("staff-staff_no") || null,
          };
          if (/\s/.test(data.staff_no || "")) errs.push(["staff-staff_no", t("工号不能含空格", "A staff number has no spaces")]);
          const pw = byId("staff-password").value;
          if (pw) data.password = pw;
          if (errs.length) return showLocal(errs, byId("staff-form"));
          const saved = await send("PUT", `/admin/staff/${enc(username)}`, data);
          await load();
          list();
          info(t(`已保存账号 ${saved.username}（${saved.display_name}）。`, `Saved ${saved.username} (${saved.display_name}).`));
        },
      });
    }

    async function remove(a, btn) {
      if (!a || !confirm(t(`确定删除账号 ${a.username}（${a.display_name}）吗？该账号会立即退出登录。`, `Delete the account ${a.username} (${a.display_name})? It is signed out at once.`))) return;
      await act(btn, async () => {
        await send("DELETE", `/admin/staff/${enc(a.username)}`);
        await load();
        list();
        info(t(`已删除账号 ${a.username}。`, `Deleted ${a.username}.`));
      });
    }

    try { await load(); list(); } catch (e) { report(e); }
  }

  // ----- 6. Devices -------------------------------------------------------------

  async function pageDevices() {
    body.innerHTML = `
      <form class="form compact" id="dev-form" novalidate>
        ${section(t("登记新设备", "Register a device"))}
        ${row("dev-name", t("设备名称", "Name"), text("dev-name", "", 'placeholder="kiosk-1F-east" autocomplete="off" spellcheck="false"'), t("便于辨认的唯一名称，如安装位置。", "A unique name you will recognise, e.g. where it stands."))}
        ${row("dev-kind", t("类型", "Kind"), select("dev-kind", Object.entries(KINDS).map(([k, v]) => [k, t(v[0], v[1])]), "kiosk"),
          t("取号机：发号；显示屏：叫号显示；监控：读取运行指标；评价器：窗口前供群众评价。", "Kiosk: issues tickets; board: shows calls; monitor: reads metrics; rating pad: faces the citizen at a counter."))}
        ${row("dev-counter", t("评价器所在窗口", "Pad's counter"), select("dev-counter", [["", "—"]], ""), t("仅评价器需要。", "Rating pads only."))}
        <div class="actions-row"><button type="submit" class="primary" id="dev-register">${t("登记并生成令牌", "Register and issue token")}</button></div>
      </form>
      <div id="dev-token-box" class="token-box" hidden role="status"></div>
      <h2 class="form-title">${t("已登记设备", "Registered devices")}</h2>
      <table class="list" id="dev-table"><thead><tr>
        <th>${t("名称", "Name")}</th><th>${t("类型", "Kind")}</th><th>${t("连接", "Link")}</th><th>${t("最近上报", "Last report")}</th>
        <th>${t("打印机", "Printer")}</th><th>${t("版本 / 备注", "Version / note")}</th><th>${t("状态", "State")}</th><th></th>
      </tr></thead><tbody></tbody></table>`;

    // The token cannot be shown again: ask before leaving while it is on screen.
    let tokenShown = false;
    window.addEventListener("beforeunload", (ev) => { if (tokenShown) { ev.preventDefault(); ev.returnValue = ""; } });

    async function load() {
      const devices = await get("/admin/devices");
      devices.sort((a, b) => (a.revoked_at_ms != null) - (b.revoked_at_ms != null) || a.name.localeCompare(b.name));
      byId("dev-table").tBodies[0].innerHTML = devices.map((d) => {
        const revoked = d.revoked_at_ms != null;
        const link = revoked || d.kind === "monitor" ? '<span class="muted">—</span>'
          : d.online ? mark("ok", t("在线", "Online")) : `<span class="mark warn">○ ${t("离线", "Offline")}</span>`;
        const st = d.status || {};
        return `<tr data-device="${d.id}"${revoked ? ' class="disabled"' : ""}>
          <td class="mono">${esc(d.name)}</td><td>${esc(tr2(KINDS[d.kind], d.kind))}</td><td>${link}</td>
          <td title="${esc(dateTime(d.last_seen_ms))}">${esc(ago(d.last_seen_ms))}</td>
          <td>${revoked ? '<span class="muted">—</span>' : printerCell(d.status)}</td>
          <td class="small">${esc(st.version || "")}${st.note ? `<div class="muted">${esc(st.note)}</div>` : ""}${st.version || st.note ? "" : '<span class="muted">—</span>'}</td>
          <td>${revoked ? `<span class="mark muted">○ ${t("已吊销", "Revoked")}</span><div class="muted small">${esc(dateTime(d.revoked_at_ms))}</div>` : mark("ok", t("有效", "Active"))}</td>
          <td class="row-actions">${revoked ? "" : `<button type="button" class="small danger" id="dev-revoke-${d.id}" data-revoke="${d.id}" data-name="${esc(d.name)}">${t("吊销", "Revoke")}</button>`}</td></tr>`;
      }).join("") || emptyRow(8, t("尚未登记设备", "No devices registered"));
    }

    // 评价器: a pad is bound to a counter.
    get("/hall").then((hall) => {
      byId("dev-counter").innerHTML = `<option value="">—</option>` +
        hall.counters.map((c) => `<option value="${c.id}">${esc(B.name(c))}</option>`).join("");
    }).catch(() => {});
    const form = byId("dev-form");
    clearOnInput(form);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("dev-register"), async () => {
        const errs = [];
        const name = required("dev-name", errs, t("请填写设备名称", "Enter a name"));
        if (errs.length) return showLocal(errs, form);
        const kind = val("dev-kind");
        const counter = val("dev-counter");
        const created = await send("POST", "/admin/devices", { name, kind, counter_id: kind === "pad" && counter ? Number(counter) : null });
        showToken(created);
        byId("dev-name").value = "";
        await load();
      }, { root: form, prefix: "dev", codes: { invalid_name: "dev-name", duplicate_name: "dev-name", invalid_counter: "dev-counter" } });
    });

    function showToken(created) {
      const box = byId("dev-token-box");
      box.innerHTML = `
        <h3>${t(`设备「${esc(created.name)}」已登记`, `Device "${esc(created.name)}" registered`)}</h3>
        <p class="alert">${t("请现在复制令牌并填入设备。令牌只显示这一次，离开本页后无法再查看；丢失只能吊销后重新登记。",
          "Copy the token now and enter it on the device. It is shown only this once; if it is lost, revoke the device and register it again.")}</p>
        <div class="token" id="dev-token">${esc(created.token)}</div>
        ${created.kind === "pad" ? `<p>${t("在评价器的浏览器中打开此链接（令牌随后从地址栏移除并保存在设备上）：", "Open this link in the pad's browser (the token then leaves the address bar and is kept on the device):")}</p>
          <div class="token" id="dev-pad-link">${esc(location.origin + "/pad#token=" + created.token)}</div>` : ""}
        <div class="toolbar"><button type="button" id="dev-token-copy">${t("复制令牌", "Copy token")}</button>
          <button type="button" id="dev-token-done">${t("已复制，关闭", "Copied, close")}</button><span class="muted" id="dev-token-copied" role="status"></span></div>`;
      box.hidden = false;
      tokenShown = true;
      byId("dev-token-copy").addEventListener("click", async () => {
        const tokenEl = byId("dev-token");
        let ok = false;
        try { await navigator.clipboard.writeText(created.token); ok = true; } catch (e) { ok = false; }
        if (!ok) {
          const range = document.createRange();
          range.selectNodeContents(tokenEl);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        }
        byId("dev-token-copied").textContent = ok ? t("已复制到剪贴板", "Copied to the clipboard") : t("请按 Ctrl+C 复制选中的令牌", "Press Ctrl+C to copy the selected token");
      });
      byId("dev-token-done").addEventListener("click", () => { box.hidden = true; box.innerHTML = ""; tokenShown = false; });
      box.scrollIntoView({ block: "nearest" });
    }

    onRowButtons(byId("dev-table"), {
      revoke: (id, btn) => {
        if (!confirm(t(`确定吊销设备「${btn.dataset.name}」吗？它会立即断开，不能再连接；如需继续使用，须重新登记。`,
          `Revoke the device "${btn.dataset.name}"? It is disconnected at once and cannot connect again; to use it again, register it anew.`))) return;
        act(btn, async () => {
          await send("DELETE", `/admin/devices/${enc(id)}`);
          await load();
          info(t(`已吊销设备「${btn.dataset.name}」。`, `Revoked ${btn.dataset.name}.`));
        });
      },
    });

    try { await load(); } catch (e) { report(e); }
  }

  // ----- 7. Notices -------------------------------------------------------------

  async function pageNotices() {
    const MAX = 20;
    let notices;
    try { notices = await get("/admin/notices"); } catch (e) { report(e); return; }
    body.innerHTML = `
      <p class="muted">${t("显示屏底部滚动播放这些公告，保存后立即更新。每条最多 300 字，最多 20 条。", "Boards scroll these notices; saving updates them at once. Up to 300 characters each, at most 20.")}</p>
      <form id="notice-form" class="rows-form" novalidate>
        <table class="rows list" id="notice-list"><thead><tr>
          <th class="num">#</th><th>${t("中文", "Chinese")}</th><th>${t("英文", "English")}</th><th></th></tr></thead><tbody></tbody></table>
        <div class="toolbar">
          <button type="button" id="notice-add">${t("+ 添加公告", "+ Add notice")}</button>
          <button type="submit" class="primary" id="notice-save">${t("保存公告", "Save notices")}</button>
        </div>
      </form>`;
    const form = byId("notice-form");
    clearOnInput(form);
    const rows = rowList(form.querySelector("tbody"), {
      prefix: "notice",
      items: notices,
      cols: 3,
      max: MAX,
      empty: t("没有公告", "No notices"),
      addButton: "notice-add",
      blank: () => ({ text_zh: "", text_en: "" }),
      render: (n, i) => `<td class="num">${i + 1}</td>` +
        `<td><label class="sr" for="notice-${i}-text_zh">${t(`第 ${i + 1} 条中文`, `Notice ${i + 1}, Chinese`)}</label>${area(`notice-${i}-text_zh`, n.text_zh)}</td>` +
        `<td><label class="sr" for="notice-${i}-text_en">${t(`第 ${i + 1} 条英文`, `Notice ${i + 1}, English`)}</label>${area(`notice-${i}-text_en`, n.text_en)}</td>`,
      read: (i) => ({ text_zh: byId(`notice-${i}-text_zh`).value.trim(), text_en: byId(`notice-${i}-text_en`).value.trim() }),
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("notice-save"), async () => {
        const items = rows.sync();
        const saved = await send("PUT", "/admin/notices", items);
        rows.items = saved;
        rows.draw();
        info(t(`已保存 ${saved.length} 条公告，显示屏已更新。`, `Saved ${saved.length} notices; boards show them now.`));
      }, { root: form, prefix: "notice", localize: (f) => f.replace(/^notices\[(\d+)\]/, "$1").replace(/^notices$/, "list") });
    });
  }

  // ----- Working-day calendar ----------------------------------------------------

  async function pageCalendar() {
    let cal;
    try { cal = await get("/admin/calendar"); } catch (e) { report(e); return; }
    body.innerHTML = `
      <p class="muted">${t("工作日历决定哪些天是工作日：周末休息，法定节假日（休）和调休上班日（班）按国务院每年的通知填写。办件和整改的期限按工作日计算。",
        "The calendar says which days are working days: weekends are off; statutory holidays (休) and make-up working days (班) follow the State Council's yearly notice. Deadlines of cases and follow-ups count working days.")}</p>
      <p id="cal-years">${t("已有日历的年份：", "Years with a calendar: ")}<strong>${esc(cal.years.join("、") || t("无", "none"))}</strong></p>
      <form id="cal-form" class="form" novalidate>
        <label for="cal-text">${t("日历（可整年粘贴通知内容，导入时只替换文中写到的年份）", "Calendar text (paste a year's notice; importing replaces only the years it names)")}</label>
        <div class="ctl"><textarea id="cal-text" rows="18" spellcheck="false" style="font-family: monospace; width: 100%">${esc(cal.text)}</textarea>
        <p class="hint">${t("格式：[2027] 开始一年；每行一个日期或日期段、「休」或「班」、名称，如 2027-02-06..2027-02-12 休 春节；# 后为注释。",
          "Format: [2027] starts a year; each line a date or range, 休 (off) or 班 (make-up working day), and a name, e.g. 2027-02-06..2027-02-12 休 春节; # starts a comment.")}</p></div>
        <div class="toolbar"><button type="submit" class="primary" id="cal-import">${t("导入", "Import")}</button></div>
      </form>`;
    const form = byId("cal-form");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("cal-import"), async () => {
        const saved = await send("PUT", "/admin/calendar", { text: byId("cal-text").value });
        byId("cal-text").value = saved.text;
        byId("cal-years").innerHTML = `${t("已有日历的年份：", "Years with a calendar: ")}<strong>${esc(saved.years.join("、"))}</strong>`;
        info(t(`已导入。日历现有年份：${saved.years.join("、")}`, `Imported. Years in the calendar: ${saved.years.join(", ")}`));
      }, { root: form, prefix: "cal" });
    });
  }

  // ----- 8. Guide ---------------------------------------------------------------

  async function pageGuide() {
    let items = [];
    let departments = [];
    let services = [];

    async function load() {
      let guide;
      [guide, departments, services] = await Promise.all([get("/guide"), get("/admin/departments"), get("/admin/services")]);
      items = guide.items || [];
    }
    const limits = (g) => {
      const p = [];
      if (g.legal_limit_days != null) p.push(t(`法定 ${g.legal_limit_days}`, `legal ${g.legal_limit_days}`));
      if (g.committed_limit_days != null) p.push(t(`承诺 ${g.committed_limit_days}`, `committed ${g.committed_limit_days}`));
      return p.join(" · ") || "—";
    };

    function list() {
      body.innerHTML = `
        <div class="toolbar"><button type="button" class="primary" id="guide-new">${t("新增事项", "New item")}</button>
          <span class="muted">${t(`共 ${items.length} 个事项；取号机按此顺序显示。`, `${items.length} items, in the order kiosks show them.`)}</span></div>
        <table class="list" id="guide-table"><thead><tr>
          <th>${t("事项", "Item")}</th><th>${t("承办部门", "Department")}</th><th>${t("收费", "Fee")}</th><th>${t("时限（工作日）", "Limits (working days)")}</th>
          <th>${t("即办", "On the spot")}</th><th class="num">${t("材料", "Materials")}</th><th></th>
        </tr></thead><tbody>${items.map((g) => `<tr data-item="${esc(g.id)}">
          <td>${esc(B.name(g))}<div class="muted small mono">${esc(g.id)}</div></td><td class="small">${esc(nameOf(departments, g.department))}</td>
          <td class="small">${esc(B.lang === "en" && g.fee_en ? g.fee_en : g.fee_zh)}</td><td class="small nowrap">${esc(limits(g))}</td>
          <td>${g.on_the_spot ? mark("ok", t("即办", "Yes")) : ""}</td><td class="num">${g.materials.length}</td>
          ${rowButtons("guide", g.id)}</tr>`).join("") || emptyRow(7, t("还没有办事指南事项。", "The guide is empty."))}</tbody></table>`;
      byId("guide-new").addEventListener("click", () => edit(null));
      onRowButtons(byId("guide-table"), {
        edit: (id) => edit(items.find((g) => g.id === id)),
        remove: (id, btn) => remove(items.find((g) => g.id === id), btn),
      });
    }

    function edit(item) {
      const isNew = !item;
      const g = item || {
        id: "", department: departments[0] ? departments[0].id : "", service_id: null, name_zh: "", name_en: "", materials: [],
        fee_zh: "", fee_en: "", legal_limit_days: null, committed_limit_days: null, on_the_spot: false, basis_zh: "", notes_zh: "", notes_en: "",
      };
      const form = openForm(`
        <h2 class="form-title">${isNew ? t("新增办事指南事项", "New guide item") : t("编辑事项：", "Edit item: ") + esc(B.name(g))}</h2>
        <form class="form wide-form" id="guide-form" novalidate>
          ${section(t("事项", "Item"))}
          ${row("guide-id", t("事项编号", "Id"), text("guide-id", g.id, isNew ? 'autocomplete="off" spellcheck="false"' : "readonly"),
            isNew ? t("小写字母、数字和 -，1–48 位；保存后不能更改。", "1-48 of a-z, 0-9 and -; it cannot change later.") : t("编号不能更改。", "The id cannot change."))}
          ${row("guide-name_zh", t("中文名称", "Chinese name"), text("guide-name_zh", g.name_zh, 'class="wide"'))}
          ${row("guide-name_en", t("英文名称", "English name"), text("guide-name_en", g.name_en, 'class="wide"'))}
          ${row("guide-department", t("承办部门", "Department"), select("guide-department", departments.map((d) => [d.id, B.name(d)]), g.department))}
          ${row("guide-service_id", t("取号业务", "Ticket for"), select("guide-service_id", [["", t("不提供取号（只供查阅）", "None (for reading only)")]].concat(services.map((s) => [s.id, `${s.prefix} · ${B.name(s)}`])), g.service_id || ""),
            t("取号机在事项页上为这项业务提供「取号」。", "The kiosk offers a ticket for this service on the item's page."))}
          ${section(t("收费与时限", "Fee and time limits"))}
          ${row("guide-fee_zh", t("收费标准（中文）", "Fee (Chinese)"), text("guide-fee_zh", g.fee_zh, 'class="wide" placeholder="不收费"'), t("收费公示；不收费写「不收费」。", "Fee disclosure; 「不收费」 when free."))}
          ${row("guide-fee_en", t("收费标准（英文）", "Fee (English)"), text("guide-fee_en", g.fee_en, 'class="wide" placeholder="Free"'))}
          ${row("guide-legal_limit_days", t("法定时限（工作日）", "Legal limit (working days)"), number("guide-legal_limit_days", g.legal_limit_days), t("留空表示无。", "Blank for none."))}
          ${row("guide-committed_limit_days", t("承诺时限（工作日）", "Committed limit (working days)"), number("guide-committed_limit_days", g.committed_limit_days), t("不得长于法定时限；留空表示无。", "Not longer than the legal limit; blank for none."))}
          ${row("guide-on_the_spot", t("即办件", "On the spot"), checkbox("guide-on_the_spot", g.on_the_spot), t("当场办结。", "Done while the citizen waits."))}
          ${section(t("申请材料", "Materials"))}
          <div class="ctl full">
            <table class="rows" id="guide-materials"><thead><tr>
              <th>${t("材料名称", "Name (Chinese)")}</th><th>${t("英文名称", "Name (English)")}</th><th>${t("原件", "Originals")}</th><th>${t("复印件", "Copies")}</th><th>${t("备注", "Remark")}</th><th></th>
            </tr></thead><tbody></tbody></table>
            <button type="button" id="guide-material-add">${t("+ 添加材料", "+ Add material")}</button>
            ${hint(t("原件为查验份数，复印件为留存份数。", "Originals are shown and returned; copies are handed in."))}
          </div>
          ${section(t("依据与提示", "Basis and notes"))}
          ${row("guide-basis_zh", t("设定依据", "Legal basis"), area("guide-basis_zh", g.basis_zh, 'class="wide"'))}
          ${row("guide-notes_zh", t("温馨提示（中文）", "Notes (Chinese)"), area("guide-notes_zh", g.notes_zh, 'class="wide"', 3))}
          ${row("guide-notes_en", t("温馨提示（英文）", "Notes (English)"), area("guide-notes_en", g.notes_en, 'class="wide"', 3))}
          ${buttons("guide")}
        </form>`, {
        formId: "guide-form",
        focus: isNew ? "guide-id" : "guide-name_zh",
        onCancel: list,
        ctx: { prefix: "guide", localize: (f) => f.replace(/^items\[\d+\]\./, ""), codes: { id_mismatch: "guide-id" } },
        onSubmit: async () => {
          const errs = [];
          const id = required("guide-id", errs, t("请填写事项编号", "Enter an id"));
          const mats = materials.sync();
          const materialsOut = mats.map((m, i) => ({
            name_zh: m.name_zh, name_en: m.name_en, note_zh: m.note_zh,
            originals: int(`guide-materials-${i}-originals`, errs), copies: int(`guide-materials-${i}-copies`, errs),
          }));
          const data = {
            id,
            department: val("guide-department"),
            service_id: val("guide-service_id") || null,
            name_zh: val("guide-name_zh"),
            name_en: val("guide-name_en"),
            materials: materialsOut,
            fee_zh: val("guide-fee_zh"),
            fee_en: val("guide-fee_en"),
            legal_limit_days: int("guide-legal_limit_days", errs, true),
            committed_limit_days: int("guide-committed_limit_days", errs, true),
            on_the_spot: isChecked("guide-on_the_spot"),
            basis_zh: val("guide-basis_zh"),
            notes_zh: val("guide-notes_zh"),
            notes_en: val("guide-notes_en"),
          };
          if (errs.length) return showLocal(errs, byId("guide-form"));
          const saved = await send("PUT", `/admin/guide/${enc(id)}`, data);
          await load();
          list();
          info(t(`已保存事项「${saved.name_zh}」。`, `Saved ${saved.name_en || saved.name_zh}.`));
        },
      });
      const materials = rowList(form.querySelector("#guide-materials tbody"), {
        prefix: "guide-materials",
        items: g.materials,
        cols: 5,
        empty: t("尚未列出材料", "No materials listed"),
        addButton: "guide-material-add",
        blank: () => ({ name_zh: "", name_en: "", originals: 1, copies: 0, note_zh: "" }),
        render: (m, i) => {
          const cell = (k, label, ctl) => `<td><label class="sr" for="guide-materials-${i}-${k}">${label} ${i + 1}</label>${ctl}</td>`;
          return cell("name_zh", t("材料名称", "Name"), text(`guide-materials-${i}-name_zh`, m.name_zh)) +
            cell("name_en", t("英文名称", "English name"), text(`guide-materials-${i}-name_en`, m.name_en)) +
            cell("originals", t("原件", "Originals"), number(`guide-materials-${i}-originals`, m.originals, "", "tiny")) +
            cell("copies", t("复印件", "Copies"), number(`guide-materials-${i}-copies`, m.copies, "", "tiny")) +
            cell("note_zh", t("备注", "Remark"), text(`guide-materials-${i}-note_zh`, m.note_zh));
        },
        read: (i) => ({
          name_zh: val(`guide-materials-${i}-name_zh`), name_en: val(`guide-materials-${i}-name_en`),
          originals: val(`guide-materials-${i}-originals`), copies: val(`guide-materials-${i}-copies`), note_zh: val(`guide-materials-${i}-note_zh`),
        }),
      });
    }

    async function remove(g, btn) {
      if (!g || !confirm(t(`确定删除办事指南事项「${g.name_zh}」吗？`, `Delete the guide item "${B.name(g)}"?`))) return;
      await act(btn, async () => {
        await send("DELETE", `/admin/guide/${enc(g.id)}`);
        await load();
        list();
        info(t(`已删除事项「${g.name_zh}」。`, `Deleted ${B.name(g)}.`));
      });
    }

    try { await load(); list(); } catch (e) { report(e); }
  }

  // ----- 9. Reports -------------------------------------------------------------

  async function pageReports() {
    let services = [];
    let counters = [];
    let staff = [];
    body.innerHTML = `
      <form class="toolbar" id="rep-form" novalidate>
        <label for="rep-from">${t("从", "From")}</label><input type="date" id="rep-from" name="from">
        <label for="rep-to">${t("到", "To")}</label><input type="date" id="rep-to" name="to">
        <button type="submit" class="primary" id="rep-show">${t("查看", "Show")}</button>
        <a id="rep-csv" class="button-link" href="#" download>${t("导出 CSV", "Download CSV")}</a>
        <span class="muted" id="rep-range"></span>
      </form>
      <div class="cards" id="report-cards">
        ${card("report-total-tickets", t("取号", "Tickets"))}
        ${card("report-total-served", t("办结", "Served"))}
        ${card("report-total-no-shows", t("过号", "No-shows"), true)}
        ${card("report-total-avg-wait", t("平均等候", "Average wait"), true)}
        ${card("report-total-avg-handle", t("平均办理", "Average handle time"))}
      </div>
      <section class="panel"><h2>${t("按小时：取号量与平均等候", "By hour: arrivals and average wait")}</h2><div class="chart" id="report-chart"></div></section>
      <section class="panel"><h2>${t("按业务", "By service")}</h2><table class="list" id="report-services"></table></section>
      <section class="panel"><h2>${t("按窗口", "By counter")}</h2><table class="list" id="report-counters"></table></section>
      <section class="panel"><h2>${t("按人员", "By staff member")}</h2><table class="list" id="report-staff"></table></section>`;

    const form = byId("rep-form");
    const ctx = { root: form, prefix: "rep", codes: { invalid_date: "rep-from", invalid_range: "rep-to" } };

    async function show(from, to) {
      const q = from ? `?from=${enc(from)}&to=${enc(to || from)}` : "";
      const rep = await get("/admin/reports" + q);
      byId("rep-from").value = rep.from;
      byId("rep-to").value = rep.to;
      const csv = byId("rep-csv");
      csv.href = `${API}/admin/reports?from=${enc(rep.from)}&to=${enc(rep.to)}&format=csv`;
      csv.setAttribute("download", `banli-report-${rep.from}-${rep.to}.csv`);
      byId("rep-range").textContent = rep.from === rep.to ? t(`营业日 ${rep.from}`, `Business day ${rep.from}`) : t(`${rep.from} 至 ${rep.to}`, `${rep.from} to ${rep.to}`);
      draw(rep);
    }

    function draw(rep) {
      const tot = rep.total;
      byId("report-total-tickets").textContent = tot.tickets;
      byId("report-total-served").textContent = tot.served;
      byId("report-total-no-shows").textContent = tot.no_shows;
      byId("report-total-no-shows-sub").textContent = t(`过号率 ${pct(tot.no_show_rate)}`, `Rate ${pct(tot.no_show_rate)}`);
      byId("report-total-avg-wait").textContent = B.minutes(tot.avg_wait_secs);
      byId("report-total-avg-wait-sub").textContent = tot.p90_wait_secs == null ? "" : t(`90% 的人不超过 ${B.minutes(tot.p90_wait_secs)}`, `90% within ${B.minutes(tot.p90_wait_secs)}`) +
        (tot.estimate_within_5min == null ? "" : t(`；预估 ±5 分钟内 ${pct(tot.estimate_within_5min)}`, `; estimates within ±5 min: ${pct(tot.estimate_within_5min)}`));
      byId("report-total-avg-handle").textContent = B.minutes(tot.avg_handle_secs);
      table("report-services", t("业务", "Service"), t("取号", "Tickets"), rep.by_service, (k) => nameOf(services, k));
      table("report-counters", t("窗口", "Counter"), t("叫号", "Called"), rep.by_counter, (k) => nameOf(counters, k));
      table("report-staff", t("人员", "Staff"), t("叫号", "Called"), rep.by_staff, (k) => {
        const a = staff.find((x) => x.username === k);
        return a ? `${a.display_name} (${k})` : k;
      });
      byId("report-chart").innerHTML = chart(rep.by_hour || []);
    }

    function table(id, keyLabel, ticketsLabel, rows, label) {
      byId(id).innerHTML = `<thead><tr><th>${keyLabel}</th><th class="num">${ticketsLabel}</th><th class="num">${t("办结", "Served")}</th>
        <th class="num">${t("过号", "No-shows")}</th><th class="num">${t("过号率", "No-show rate")}</th>
        <th class="num">${t("平均等候（分钟）", "Avg wait (min)")}</th><th class="num">${t("90% 等候（分钟）", "P90 wait (min)")}</th>
        <th class="num">${t("平均办理（分钟）", "Avg handle (min)")}</th>
        <th class="num" title="${t("取号时显示的预计等候与实际等候相差不超过 5 分钟的比例", "Share of citizens whose wait was within 5 minutes of the estimate shown at issue")}">${t("预估准确率（±5 分钟）", "Estimates within ±5 min")}</th></tr></thead><tbody>` +
        (rows.map((r) => `<tr data-key="${esc(r.key)}"><td>${esc(label(r.key))}</td><td class="num">${r.tickets}</td><td class="num">${r.served}</td>
          <td class="num">${r.no_shows}</td><td class="num">${pct(r.no_show_rate)}</td><td class="num">${mins1(r.avg_wait_secs)}</td>
          <td class="num">${mins1(r.p90_wait_secs)}</td><td class="num">${mins1(r.avg_handle_secs)}</td>
          <td class="num">${pct(r.estimate_within_5min)}</td></tr>`).join("") ||
          emptyRow(9, t("这段时间没有数据", "No data for these days"))) + "</tbody>";
    }

    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(byId("rep-show"), () => show(byId("rep-from").value, byId("rep-to").value), ctx);
    });
    clearOnInput(form);
    try {
      [services, counters, staff] = await Promise.all([get("/admin/services"), get("/admin/counters"), get("/admin/staff")]);
      await show();
    } catch (e) { report(e); }
  }

  // Arrivals per hour as bars (left axis) and the average wait per hour as
  // a line (right axis), for hours 6-21 and any other hour with data; a
  // dashed line marks hours left out.
  function chart(byHour) {
    const hours = new Map(byHour.map((h) => [h.hour, h]));
    const busy = byHour.filter((h) => h.arrivals > 0).map((h) => h.hour);
    const shown = [...new Set([...Array.from({ length: 16 }, (_, i) => i + 6), ...busy])].sort((a, b) => a - b);
    const data = shown.map((h) => hours.get(h) || { hour: h, arrivals: 0, avg_wait_secs: null });
    const W = 960, H = 300, L = 52, R = 60, T = 36, Bm = 40;
    const pw = W - L - R, ph = H - T - Bm;
    const nice = (v) => {
      if (v <= 0) return 4;
      const step = Math.pow(10, Math.floor(Math.log10(v / 4)));
      for (const m of [1, 2, 2.5, 5, 10]) if (m * step * 4 >= v) return m * step * 4;
      return v;
    };
    const maxA = nice(Math.max(4, ...data.map((d) => d.arrivals)));
    const waits = data.map((d) => (d.avg_wait_secs == null ? null : d.avg_wait_secs / 60));
    const maxW = nice(Math.max(4, ...waits.filter((w) => w != null)));
    const slot = pw / data.length;
    const x = (i) => L + slot * i + slot / 2;
    const yA = (v) => T + ph - (v / maxA) * ph;
    const yW = (v) => T + ph - (v / maxW) * ph;
    const f = (n) => Math.round(n * 10) / 10;
    const fmt = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
    let s = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${t("按小时的取号量与平均等候时间", "Arrivals and average wait by hour")}" class="chart-svg">`;
    for (let k = 0; k <= 4; k++) {
      const y = f(T + ph - (ph * k) / 4);
      s += `<line x1="${L}" x2="${L + pw}" y1="${y}" y2="${y}" stroke="#e3e8ee"/>`;
      s += `<text x="${L - 8}" y="${y + 4}" text-anchor="end" class="tick">${fmt((maxA * k) / 4)}</text>`;
      s += `<text x="${L + pw + 8}" y="${y + 4}" class="tick wait">${fmt((maxW * k) / 4)}</text>`;
    }
    data.forEach((d, i) => {
      if (i > 0 && d.hour !== data[i - 1].hour + 1) {
        s += `<line x1="${f(L + slot * i)}" x2="${f(L + slot * i)}" y1="${T}" y2="${T + ph + 6}" stroke="#8a96a3" stroke-dasharray="3 4"/>`;
      }
      const bw = Math.max(4, slot * 0.62);
      if (d.arrivals > 0) {
        const y = yA(d.arrivals);
        s += `<rect x="${f(x(i) - bw / 2)}" y="${f(y)}" width="${f(bw)}" height="${f(T + ph - y)}" fill="#0b5cad" fill-opacity="0.78" rx="2"><title>${t(`${d.hour} 时：取号 ${d.arrivals}`, `${d.hour}:00: ${d.arrivals} tickets`)}</title></rect>`;
      }
      s += `<text x="${f(x(i))}" y="${T + ph + 18}" text-anchor="middle" class="tick">${d.hour}</text>`;
    });
    // The wait line, broken where an hour has no data.
    let path = "";
    let pen = false;
    waits.forEach((w, i) => {
      if (w == null || (i > 0 && data[i].hour !== data[i - 1].hour + 1)) pen = false;
      if (w == null) return;
      path += `${pen ? "L" : "M"}${f(x(i))},${f(yW(w))} `;
      pen = true;
    });
    if (path) s += `<path d="${path.trim()}" fill="none" stroke="#b86e00" stroke-width="2.5" stroke-linejoin="round"/>`;
    waits.forEach((w, i) => {
      if (w != null) s += `<circle cx="${f(x(i))}" cy="${f(yW(w))}" r="3.5" fill="#fff" stroke="#b86e00" stroke-width="2"><title>${t(`${data[i].hour} 时：平均等候 ${w.toFixed(1)} 分钟`, `${data[i].hour}:00: average wait ${w.toFixed(1)} min`)}</title></circle>`;
    });
    s += `<line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#8a96a3"/>`;
    s += `<text x="${L}" y="${T - 14}" class="axis">${t("取号数", "Tickets")}</text>`;
    s += `<text x="${L + pw}" y="${T - 14}" text-anchor="end" class="axis wait">${t("平均等候（分钟）", "Avg wait (min)")}</text>`;
    s += `<text x="${L + pw / 2}" y="${H - 4}" text-anchor="middle" class="axis">${t("取号时间（时）", "Hour of issue")}</text>`;
    const lx = L + pw / 2 - 150;
    s += `<rect x="${lx}" y="${T - 26}" width="14" height="12" fill="#0b5cad" fill-opacity="0.78" rx="2"/><text x="${lx + 20}" y="${T - 15}" class="legend">${t("每小时取号数", "Tickets per hour")}</text>`;
    s += `<line x1="${lx + 150}" x2="${lx + 172}" y1="${T - 20}" y2="${T - 20}" stroke="#b86e00" stroke-width="2.5"/><text x="${lx + 178}" y="${T - 15}" class="legend">${t("平均等候", "Average wait")}</text>`;
    s += "</svg>";
    if (!busy.length) s += `<p class="muted chart-empty">${t("这段时间没有取号记录。", "No tickets were issued on these days.")}</p>`;
    return s;
  }

  // ----- 10. Audit log ----------------------------------------------------------

  async function pageAudit() {
    const LIMIT = 100;
    const ACTIONS = {
      config: ["修改配置", "Configuration"],
      staff_created: ["新建账号", "Account created"],
      staff_updated: ["修改账号", "Account changed"],
      staff_deleted: ["删除账号", "Account deleted"],
      device_created: ["登记设备", "Device registered"],
      device_revoked: ["吊销设备", "Device revoked"],
      guide_added: ["新增指南事项", "Guide item added"],
      guide_updated: ["修改指南事项", "Guide item changed"],
      guide_removed: ["删除指南事项", "Guide item removed"],
      guide_replaced: ["导入办事指南", "Guide replaced"],
      appointment_booked: ["登记预约", "Appointment booked"],
      appointment_cancelled: ["取消预约", "Appointment cancelled"],
      print_failed: ["号票打印失败", "Ticket not printed"],
    };
    body.innerHTML = `
      <div class="toolbar"><button type="button" id="audit-refresh">${t("刷新", "Refresh")}</button>
        <span class="muted">${t("最新的在最上面。", "Newest first.")}</span></div>
      <table class="list" id="audit-table"><thead><tr>
        <th>${t("时间", "Time")}</th><th>${t("操作人", "Actor")}</th><th>${t("操作", "Action")}</th><th>${t("对象", "Target")}</th><th>${t("详情", "Detail")}</th>
      </tr></thead><tbody></tbody></table>
      <div class="toolbar"><button type="button" id="audit-older" hidden>${t("更早的记录", "Older entries")}</button>
        <span class="muted" id="audit-end"></span></div>`;
    const tbody = byId("audit-table").tBodies[0];
    let oldest = null;

    async function page(before) {
      const entries = await get(`/admin/audit?limit=${LIMIT}${before != null ? `&before=${before}` : ""}`);
      const html = entries.map((a) => `<tr data-id="${a.id}"${a.action === "print_failed" ? ' class="alert"' : ""}>
        <td class="nowrap">${esc(dateTime(a.at_ms))}</td><td>${esc(a.actor)}</td>
        <td>${esc(tr2(ACTIONS[a.action], a.action))}</td><td>${esc(a.target)}</td><td class="detail small">${esc(a.detail)}</td></tr>`).join("");
      if (before == null) tbody.innerHTML = html || emptyRow(5, t("没有记录", "No entries"));
      else tbody.insertAdjacentHTML("beforeend", html);
      if (entries.length) oldest = entries[entries.length - 1].id;
      const more = entries.length === LIMIT;
      byId("audit-older").hidden = !more;
      byId("audit-end").textContent = more ? "" : t("已是最早的记录。", "That is the oldest entry.");
    }

    byId("audit-older").addEventListener("click", (ev) => act(ev.currentTarget, () => page(oldest)));
    byId("audit-refresh").addEventListener("click", (ev) => act(ev.currentTarget, () => { oldest = null; return page(null); }));
    try { await page(null); } catch (e) { report(e); }
  }

  // ----- Pages in files of their own -------------------------------------------

  // What a page script (whatif.js) gets to build with.
  function kit() {
    return { B, t, esc, body, byId, get, send, act, report, info, POLICIES };
  }

  // ----- Start ------------------------------------------------------------------

  function start() {
    document.querySelectorAll(".side a[data-page]").forEach((a) => {
      const p = PAGES[a.dataset.page];
      if (p) a.textContent = t(p[0], p[1]);
    });
    const name = document.getElementById("admin-main").dataset.page;
    const p = PAGES[name];
    if (!p) return;
    const title = t(p[0], p[1]);
    byId("page-title").textContent = title;
    document.title = `${title} · ${document.title}`;
    document.body.dataset.adminPage = name;
    Promise.resolve(p[2]()).catch(report);
  }

  start();
})();
