// Banli admin console: 好差评 pages, in a file of their own (as whatif.js).
//   followups: the follow-up (整改) list with deadlines (late ones in red),
//              one follow-up's detail with its steps and the forms for the
//              next one, and logging a complaint taken by telephone or in
//              person.
//   ratings:   the ratings report by counter, clerk, service, department
//              and month, the reasons given, the CSV export (GB/T 39046
//              field names, level codes by scheme), and the hall's
//              settings (reasons, categories, window, deadlines, pad timeout).
// Loaded before admin.js, which calls BanliAdminPages.<page>(kit).
"use strict";
window.BanliAdminPages = window.BanliAdminPages || {};
(function () {
  const LEVELS = {
    very_satisfied: ["非常满意", "Very satisfied"],
    satisfied: ["满意", "Satisfied"],
    basic: ["基本满意", "Fairly satisfied"],
    dissatisfied: ["不满意", "Dissatisfied"],
    very_dissatisfied: ["非常不满意", "Very dissatisfied"],
  };
  const STAGES = {
    open: ["待处理", "Open"],
    called_back: ["已回访", "Called back"],
    resolved: ["已整改/说明", "Resolved"],
    appealed: ["申诉待裁定", "Appeal pending"],
    closed: ["已办结", "Closed"],
  };
  const CHANNELS = {
    pad: ["评价器", "Pad"], qr: ["扫码", "QR page"], kiosk: ["自助终端", "Kiosk"],
    telephone: ["投诉电话", "Telephone"], in_person: ["现场", "In person"],
  };
  const tr = (k, pair) => (pair ? k.t(pair[0], pair[1]) : "");
  const hallZone = (document.querySelector('meta[name="banli-tz"]') || {}).content || undefined;
  const pct = (x) => (x == null ? "—" : (x * 100).toFixed(1) + "%");

  window.BanliAdminPages.followups = async function followupsPage(k) {
    const { t, esc, body, byId, get, send, act, info } = k;
    const [settings, hall] = await Promise.all([get("/ratings/settings"), get("/hall")]);
    const counterName = (id) => {
      const c = hall.counters.find((x) => x.id === id);
      return c ? k.B.name(c) : id == null ? "—" : String(id);
    };
    let status = "open";
    body.innerHTML = `
      <div class="toolbar">
        <label>${t("显示", "Show")} <select id="fu-status">
          <option value="open">${t("未办结", "Open")}</option><option value="all">${t("近30天全部", "All, last 30 days")}</option></select></label>
        <span class="muted" id="fu-count"></span>
      </div>
      <table class="list" id="fu-table"><thead><tr>
        <th>${t("编号", "No.")}</th><th>${t("来源", "Source")}</th><th>${t("窗口", "Counter")}</th><th>${t("开立", "Opened")}</th>
        <th>${t("回访期限", "Call back by")}</th><th>${t("办结期限", "Close by")}</th><th>${t("状态", "Stage")}</th>
      </tr></thead><tbody></tbody></table>
      <section class="panel" id="fu-detail" hidden></section>
      <section class="panel" id="fu-complaint">
        <h2>${t("登记投诉（投诉电话 / 现场）", "Log a complaint (telephone / in person)")}</h2>
        <div class="form-grid">
          <label>${t("渠道", "Channel")} <select id="c-channel"><option value="telephone">${t("投诉电话", "Telephone")}</option><option value="in_person">${t("现场", "In person")}</option></select></label>
          <label>${t("类别", "Category")} <select id="c-category">${settings.complaint_categories.map((c) => `<option>${esc(c)}</option>`).join("")}</select></label>
          <label>${t("涉及窗口", "Counter")} <select id="c-counter"><option value="">${t("不确定", "Not known")}</option>${hall.counters.map((c) => `<option value="${c.id}">${esc(k.B.name(c))}</option>`).join("")}</select></label>
          <label>${t("回访电话（选填）", "Phone to call back (optional)")} <input id="c-phone" inputmode="tel" maxlength="24"></label>
        </div>
        <label class="block">${t("投诉内容", "What happened")} <textarea id="c-text" rows="3" maxlength="500"></textarea></label>
        <button type="button" class="primary" id="c-submit">${t("登记投诉", "Log complaint")}</button>
      </section>`;

    function late(v) { return v ? ' class="late"' : ""; }

    async function list() {
      const rows = await get(`/follow-ups?status=${status}`);
      byId("fu-count").textContent = t(`共 ${rows.length} 条`, `${rows.length}`);
      byId("fu-table").tBodies[0].innerHTML = rows.map((r) => {
        const f = r.follow_up;
        const a = r.about;
        const src = a.kind === "rating"
          ? `${t("差评", "Bad rating")}：${esc(tr(k, LEVELS[a.level]))}${a.void ? ` <span class="mark muted">${t("已作废", "void")}</span>` : ""}`
          : `${t("投诉", "Complaint")}：${esc(a.category || "")}`;
        const bad = r.timeliness.callback_late || r.timeliness.close_late;
        return `<tr data-id="${f.id}"${bad ? ' class="alert"' : ""}>
          <td><a href="#" data-open="${f.id}" id="fu-open-${f.id}">#${f.id}</a></td><td>${src}</td>
          <td>${esc(counterName(f.counter_id))}</td><td class="nowrap">${esc(f.opened_on)}</td>
          <td class="nowrap${r.timeliness.callback_late ? " late" : ""}">${f.contact_known ? esc(f.callback_due) : t("无需回访", "—")}${r.timeliness.callback_late ? " ⚠" : ""}</td>
          <td class="nowrap${r.timeliness.close_late ? " late" : ""}">${esc(f.close_due)}${r.timeliness.close_late ? " ⚠ " + t("逾期", "overdue") : ""}</td>
          <td>${esc(tr(k, STAGES[r.stage]))}</td></tr>`;
      }).join("") || `<tr class="empty"><td colspan="7" class="muted">${t("没有待处理的整改", "No follow-ups")}</td></tr>`;
    }

    async function detail(id) {
      const d = await get(`/follow-ups/${id}`);
      const f = d.follow_up;
      const a = d.about;
      const box = byId("fu-detail");
      box.hidden = false;
      const when = (ms) => {
        const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
        const loc = k.B.lang === "en" ? "en-GB" : "zh-CN";
        // In the hall's time zone, whatever the computer's.
        try { return new Date(ms).toLocaleString(loc, { ...opts, timeZone: hallZone }); } catch (e) { return new Date(ms).toLocaleString(loc, opts); }
      };
      const stepText = (s) => {
        const x = s.step;
        switch (x.step) {
          case "callback": return `${t("回访", "Call-back")}（${when(Date.parse(x.called_at))}，${x.reached ? t("已联系上", "reached") : t("未联系上", "not reached")}）：${esc(x.result)}`;
          case "resolve": return `${x.resolution === "rectified" ? t("整改", "Rectified") : t("解释说明", "Explained")}：${esc(x.note)}`;
          case "close": return `${t("办结", "Closed")}${x.note ? "：" + esc(x.note) : ""}`;
          case "appeal": return `${t("申诉", "Appeal")}：${esc(x.reason)}`;
          case "decide_appeal": return `${t("裁定", "Decision")}：${x.upheld ? t("恶意差评，评价作废", "malicious, rating void") : t("申诉不成立", "appeal refused")}。${esc(x.note)}`;
          default: return esc(x.step);
        }
      };
      const open = d.stage !== "closed";
      box.innerHTML = `
        <h2 id="fu-title">${t("整改单", "Follow-up")} #${f.id} · ${esc(tr(k, STAGES[d.stage]))}</h2>
        <dl class="facts">
          <dt>${t("来源", "Source")}</dt><dd>${a.kind === "rating" ? t("差评", "Bad rating") + "：" + esc(tr(k, LEVELS[a.level])) : t("投诉", "Complaint") + "：" + esc(a.category || "")} · ${esc(tr(k, CHANNELS[a.channel]))} · ${esc(when(a.at_ms))}</dd>
          ${a.reasons.length ? `<dt>${t("原因", "Reasons")}</dt><dd>${a.reasons.map(esc).join("、")}</dd>` : ""}
          ${a.text ? `<dt>${t("群众意见", "Citizen's words")}</dt><dd>${esc(a.text)}</dd>` : ""}
          ${a.phone ? `<dt>${t("回访电话", "Phone")}</dt><dd class="mono">${esc(a.phone)}</dd>` : ""}
          <dt>${t("窗口 / 部门", "Counter / department")}</dt><dd>${esc(counterName(f.counter_id))} · ${esc(f.department_id || "—")}</dd>
          <dt>${t("回访期限", "Call back by")}</dt><dd${late(d.timeliness.callback_late)}>${f.contact_known ? esc(f.callback_due) + (f.called_back_on ? t(`（${f.called_back_on} 已回访）`, ` (called back ${f.called_back_on})`) : "") : t("匿名评价，无需回访", "Anonymous: nobody to call")}</dd>
          <dt>${t("办结期限", "Close by")}</dt><dd${late(d.timeliness.close_late)}>${esc(f.close_due)}${d.timeliness.close_late ? " ⚠ " + t("已逾期", "overdue") : ""}${f.closed_on ? t(`（${f.closed_on} 办结）`, ` (closed ${f.closed_on})`) : ""}</dd>
        </dl>
        <h3>${t("办理记录", "Steps")}</h3>
        <ol class="steps" id="fu-steps">${d.steps.map((s) => `<li>${stepText(s)} <span class="muted small">— ${esc(s.actor)}，${esc(when(s.at_ms))}</span></li>`).join("") || `<li class="muted">${t("尚无记录", "None yet")}</li>`}</ol>
        ${open ? `<div class="step-forms">
          <fieldset><legend>${t("回访", "Call-back")}</legend>
            <label>${t("结果", "Result")} <input id="s-cb-result" maxlength="500"></label>
            <label class="check"><input type="checkbox" id="s-cb-reached" checked> ${t("已联系上", "Reached")}</label>
            <button type="button" id="s-cb">${t("记录回访", "Record call-back")}</button></fieldset>
          <fieldset><legend>${t("整改或说明", "Rectify or explain")}</legend>
            <select id="s-res-kind"><option value="rectified">${t("整改", "Rectified")}</option><option value="explained">${t("解释说明", "Explained")}</option></select>
            <input id="s-res-note" maxlength="500" placeholder="${t("做了什么", "What was done")}">
            <button type="button" id="s-res">${t("记录", "Record")}</button></fieldset>
          <fieldset><legend>${t("办结", "Close")}</legend>
            <input id="s-close-note" maxlength="500"><button type="button" class="primary" id="s-close">${t("办结", "Close")}</button></fieldset>
          ${a.kind === "rating" ? `<fieldset><legend>${t("恶意差评申诉", "Appeal a malicious rating")}</legend>
            <input id="s-appeal-reason" maxlength="500"><button type="button" id="s-appeal">${t("提出申诉", "Appeal")}</button>
            <button type="button" id="s-uphold">${t("裁定：恶意，作废", "Decide: malicious, void")}</button>
            <button type="button" id="s-reject">${t("裁定：申诉不成立", "Decide: refuse")}</button></fieldset>` : ""}
        </div>` : ""}`;
      const step = (btn, payload) => act(btn, async () => {
        await send("POST", `/follow-ups/${id}/steps`, payload);
        info(t("已记录", "Recorded"));
        await Promise.all([list(), detail(id)]);
      });
      const on = (bid, fn) => { const b = byId(bid); if (b) b.addEventListener("click", () => fn(b)); };
      on("s-cb", (b) => step(b, { step: "callback", called_at: new Date().toISOString(), reached: byId("s-cb-reached").checked, result: byId("s-cb-result").value }));
      on("s-res", (b) => step(b, { step: "resolve", resolution: byId("s-res-kind").value, note: byId("s-res-note").value }));
      on("s-close", (b) => step(b, { step: "close", note: byId("s-close-note").value }));
      on("s-appeal", (b) => step(b, { step: "appeal", reason: byId("s-appeal-reason").value }));
      on("s-uphold", (b) => step(b, { step: "decide_appeal", upheld: true, note: byId("s-appeal-reason").value || t("经核实属恶意差评", "Found malicious") }));
      on("s-reject", (b) => step(b, { step: "decide_appeal", upheld: false, note: byId("s-appeal-reason").value || t("申诉不成立", "Appeal refused") }));
    }

    byId("fu-status").addEventListener("change", (e) => { status = e.target.value; list().catch(k.report); });
    byId("fu-table").addEventListener("click", (e) => {
      const a = e.target.closest("a[data-open]");
      if (!a) return;
      e.preventDefault();
      detail(a.dataset.open).catch(k.report);
    });
    byId("c-submit").addEventListener("click", (e) => act(e.target, async () => {
      const counter = byId("c-counter").value;
      const phone = byId("c-phone").value.trim();
      const r = await send("POST", "/complaints", {
        channel: byId("c-channel").value, category: byId("c-category").value,
        text: byId("c-text").value, phone: phone || null, counter_id: counter ? Number(counter) : null,
      });
      byId("c-text").value = "";
      byId("c-phone").value = "";
      info(t(`投诉已登记，整改单 #${r.follow_up_id}`, `Complaint logged: follow-up #${r.follow_up_id}`));
      await list();
    }));
    await list();
    const open = new URLSearchParams(location.search).get("id");
    if (open) await detail(open);
    k.B.stream((msg) => { if (msg.event && msg.event.type === "feedback_changed") list().catch(() => {}); });
  };

  window.BanliAdminPages.ratings = async function ratingsPage(k) {
    const { t, esc, body, byId, get, send, act, info } = k;
    const enc = encodeURIComponent;
    body.innerHTML = `
      <div class="toolbar">
        <label>${t("从", "From")} <input type="date" id="rr-from"></label>
        <label>${t("到", "To")} <input type="date" id="rr-to"></label>
        <button type="button" id="rr-go">${t("查询", "Show")}</button>
        <label>${t("满意度代码", "Level codes")} <select id="rr-scheme"><option value="gbt39046">GB/T 39046（1=${t("非常满意", "very satisfied")}）</option><option value="ascending">${t("省级接口（5=非常满意）", "Provincial (5=very satisfied)")}</option></select></label>
        <a id="rr-csv" class="button-link">${t("导出 CSV", "Export CSV")}</a>
      </div>
      <div class="cards">
        <div class="card"><div class="k">${t("评价数", "Ratings")}</div><div class="v" id="rr-total">—</div></div>
        <div class="card"><div class="k">${t("满意率", "Satisfaction")}</div><div class="v" id="rr-sat">—</div></div>
        <div class="card"><div class="k">${t("差评率", "Bad ratings")}</div><div class="v" id="rr-bad">—</div></div>
        <div class="card"><div class="k">${t("整改按时率", "Follow-ups on time")}</div><div class="v" id="rr-ontime">—</div></div>
      </div>
      <div id="rr-tables"></div>
      <section class="panel"><h2>${t("差评原因", "Reasons given")}</h2><ol id="rr-reasons"></ol></section>
      <section class="panel" id="rr-settings"><h2>${t("好差评设置", "Settings")}</h2>
        <div class="form-grid">
          <label>${t("评价期限（天）", "Rating window (days)")} <input type="number" id="rs-window_days" min="1" max="366"></label>
          <label>${t("回访时限（工作日）", "Call back within (working days)")} <input type="number" id="rs-callback_working_days" min="0" max="60"></label>
          <label>${t("办结时限（工作日）", "Close within (working days)")} <input type="number" id="rs-close_working_days" min="1" max="120"></label>
          <label>${t("评价器无操作返回（秒）", "Pad timeout (s)")} <input type="number" id="rs-pad_timeout_secs" min="5" max="600"></label>
          <label>${t("评价器显示工作人员", "Pad shows the clerk's")} <select id="rs-clerk_shown">
            <option value="name">${t("姓名", "name")}</option><option value="number">${t("工号", "staff number")}</option><option value="both">${t("姓名和工号", "name and number")}</option><option value="nothing">${t("不显示", "nothing")}</option></select></label>
        </div>
        <p class="muted">${t("每行一项，可在竖线后写英文名称，如「等候时间过长 | Waited too long」；群众看到中文，下方是英文。",
          "One a line; an English name may follow a bar, as 「等候时间过长 | Waited too long」. Citizens see the Chinese with the English beneath.")}</p>
        <label class="block">${t("差评原因（每行一项）", "Reasons (one a line)")} <textarea id="rs-reasons" rows="8"></textarea></label>
        <label class="block">${t("投诉类别（每行一项）", "Complaint categories (one a line)")} <textarea id="rs-complaint_categories" rows="6"></textarea></label>
        <button type="button" class="primary" id="rs-save">${t("保存设置", "Save settings")}</button>
      </section>`;

    const DIMS = [
      ["by_counter", t("按窗口", "By counter")], ["by_staff", t("按工作人员", "By clerk")],
      ["by_service", t("按业务", "By service")], ["by_department", t("按部门", "By department")], ["by_month", t("按月", "By month")],
    ];
    function table(title, rows, id) {
      return `<section class="panel"><h2>${title}</h2><table class="list" id="${id}"><thead><tr>
        <th></th>${Object.values(LEVELS).map((l) => `<th class="num">${t(l[0], l[1])}</th>`).join("")}
        <th class="num">${t("合计", "Total")}</th><th class="num">${t("满意率", "Satisfied")}</th><th class="num">${t("差评率", "Bad")}</th>
        <th class="num">${t("整改", "Follow-ups")}</th><th class="num">${t("逾期", "Late")}</th><th class="num">${t("按时率", "On time")}</th></tr></thead>
        <tbody>${rows.map((r) => `<tr${r.follow_ups_late ? ' class="alert"' : ""}><td>${r.key ? esc(r.key) : `<span class="muted">${t("未注明", "Not given")}</span>`}</td>
          ${Object.keys(LEVELS).map((l) => `<td class="num">${r.levels[l]}</td>`).join("")}
          <td class="num">${r.total}</td><td class="num">${pct(r.satisfaction_rate)}</td><td class="num">${pct(r.bad_rate)}</td>
          <td class="num">${r.follow_ups}</td><td class="num${r.follow_ups_late ? " late" : ""}">${r.follow_ups_late}</td><td class="num">${pct(r.on_time_rate)}</td></tr>`).join("")
          || `<tr class="empty"><td colspan="12" class="muted">${t("这段时间没有评价", "No ratings in this range")}</td></tr>`}</tbody></table></section>`;
    }

    async function load() {
      const q = [];
      if (byId("rr-from").value) q.push("from=" + enc(byId("rr-from").value));
      if (byId("rr-to").value) q.push("to=" + enc(byId("rr-to").value));
      const rep = await get("/admin/reports/ratings" + (q.length ? "?" + q.join("&") : ""));
      byId("rr-from").value = rep.from;
      byId("rr-to").value = rep.to;
      byId("rr-total").textContent = rep.total.total;
      byId("rr-sat").textContent = pct(rep.total.satisfaction_rate);
      byId("rr-bad").textContent = pct(rep.total.bad_rate);
      byId("rr-ontime").textContent = pct(rep.total.on_time_rate);
      byId("rr-tables").innerHTML = DIMS.map(([key, title]) => table(title, rep[key], "rr-" + key)).join("");
      byId("rr-reasons").innerHTML = rep.reasons.map((r) => `<li>${esc(r.reason)} <span class="muted">× ${r.count}</span></li>`).join("")
        || `<li class="muted">${t("没有差评", "No bad ratings")}</li>`;
      const csv = byId("rr-csv");
      csv.href = `/api/v1/admin/reports/ratings?from=${enc(rep.from)}&to=${enc(rep.to)}&format=csv&scheme=${enc(byId("rr-scheme").value)}`;
      csv.setAttribute("download", `banli-ratings-${rep.from}-${rep.to}.csv`);
    }

    let settings = await get("/admin/ratings/settings");
    // The English names citizens see now: the hall's, else the built-in
    // one of a default reason (settings saved before English names
    // existed have none of their own), so saving keeps them.
    let shown = await get("/ratings/settings");
    const english = (names) => Object.fromEntries((names || []).filter((n) => n.en).map((n) => [n.zh, n.en]));
    function fill() {
      for (const f of ["window_days", "callback_working_days", "close_working_days", "pad_timeout_secs", "clerk_shown"]) byId("rs-" + f).value = settings[f];
      const withEn = (list, own, builtIn) => list.map((zh) => {
        const en = (own || {})[zh] || builtIn[zh];
        return en ? `${zh} | ${en}` : zh;
      }).join("\n");
      byId("rs-reasons").value = withEn(settings.reasons, settings.reasons_en, english(shown.reason_names));
      byId("rs-complaint_categories").value = withEn(settings.complaint_categories, settings.complaint_categories_en, english(shown.complaint_category_names));
    }
    fill();
    // Each line is 「中文」 or 「中文 | English」.
    const entries = (id) => byId(id).value.split("\n").map((line) => {
      const bar = line.indexOf("|");
      return bar < 0 ? [line.trim(), ""] : [line.slice(0, bar).trim(), line.slice(bar + 1).trim()];
    }).filter(([zh]) => zh);
    const lines = (id) => entries(id).map(([zh]) => zh);
    const namesEn = (id) => Object.fromEntries(entries(id).filter(([, en]) => en));
    byId("rs-save").addEventListener("click", (e) => act(e.target, async () => {
      const next = {
        window_days: Number(byId("rs-window_days").value),
        callback_working_days: Number(byId("rs-callback_working_days").value),
        close_working_days: Number(byId("rs-close_working_days").value),
        pad_timeout_secs: Number(byId("rs-pad_timeout_secs").value),
        clerk_shown: byId("rs-clerk_shown").value,
        reasons: lines("rs-reasons"),
        complaint_categories: lines("rs-complaint_categories"),
        reasons_en: namesEn("rs-reasons"),
        complaint_categories_en: namesEn("rs-complaint_categories"),
      };
      settings = await send("PUT", "/admin/ratings/settings", next);
      shown = await get("/ratings/settings");
      fill();
      info(t("设置已保存", "Settings saved"));
    }));
    byId("rr-go").addEventListener("click", (e) => act(e.target, load));
    byId("rr-scheme").addEventListener("change", () => load().catch(k.report));
    await load();
    k.B.stream((msg) => { if (msg.event && msg.event.type === "feedback_changed") load().catch(() => {}); });
  };
})();
