// Banli admin console: cases (办件).
// - Page 「办件督办 · Supervision」: per department, open cases, stopped
//   clocks, yellow (due the next working day or today) and red (overdue),
//   with the warned cases listed most urgent first; and the case report
//   by month, department and matter (on-the-spot rate, on-time rate,
//   average working days against committed and legal limits), with CSV.
// - The dashboard's two case cards (near due, overdue), added by
//   BanliAdminPages.caseCards.
// Loaded before admin.js, which calls these with its shared helpers.
"use strict";
window.BanliAdminPages = window.BanliAdminPages || {};

window.BanliAdminPages.caseCards = function caseCards(kit) {
  const { t, byId, get } = kit;
  const cards = byId("dash-cards");
  if (!cards || byId("dash-cases-yellow")) return;
  cards.insertAdjacentHTML("beforeend",
    `<a class="card" href="/admin/cases"><div class="k">${t("办件临期", "Cases due soon")}</div><div class="v warn" id="dash-cases-yellow">—</div></a>` +
    `<a class="card" href="/admin/cases"><div class="k">${t("办件超期", "Cases overdue")}</div><div class="v bad" id="dash-cases-red">—</div></a>`);
  async function refresh() {
    try {
      const s = await get("/admin/cases/supervision");
      byId("dash-cases-yellow").textContent = s.due_soon;
      byId("dash-cases-red").textContent = s.overdue;
    } catch (e) { /* the dashboard's own refresh reports errors */ }
  }
  refresh();
  setInterval(refresh, 60000);
};

window.BanliAdminPages.cases = async function casesPage(kit) {
  const { B, t, esc, body, byId, get, act, report } = kit;
  // The report's default range is the hall's month so far, by the hall's
  // date (the server's `today`), not the browser's: a browser's clock or
  // time zone may differ, and `toISOString` is UTC, still yesterday before
  // 08:00 in Beijing. The browser's local date only fills the fields until
  // the server answers.
  const now = new Date();
  const local = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  let rangeFromHall = false;
  body.innerHTML = `
    <div class="cards">
      <div class="card"><div class="k">${t("在办件", "Open cases")}</div><div class="v" id="sup-open">—</div></div>
      <div class="card"><div class="k">${t("临期（黄牌）", "Due soon (yellow)")}</div><div class="v warn" id="sup-yellow">—</div></div>
      <div class="card"><div class="k">${t("超期（红牌）", "Overdue (red)")}</div><div class="v bad" id="sup-red">—</div></div>
    </div>
    <section class="panel">
      <h2>${t("各部门督办", "Supervision by department")} <span class="muted small" id="sup-today"></span></h2>
      <table class="list" id="sup-departments"><thead><tr>
        <th>${t("部门", "Department")}</th><th class="num">${t("在办", "Open")}</th><th class="num">${t("暂停计时", "Clock stopped")}</th>
        <th class="num">${t("临期", "Due soon")}</th><th class="num">${t("超期", "Overdue")}</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel cases-panel">
      <h2>${t("预警办件", "Warned cases")}</h2>
      <table class="list" id="sup-warned"><thead><tr>
        <th>${t("办件编号", "Case No.")}</th><th>${t("部门", "Department")}</th><th>${t("事项", "Matter")}</th><th>${t("环节", "Stage")}</th>
        <th>${t("承诺办结", "Due")}</th><th>${t("受理人", "Accepted by")}</th></tr></thead><tbody></tbody></table>
    </section>
    <section class="panel">
      <h2>${t("办件报表", "Case report")}</h2>
      <p><label>${t("受理日期", "Accepted")} <input type="date" id="rep-from" value="${local.slice(0, 8)}01"></label>
         <label>— <input type="date" id="rep-to" value="${local}"></label>
         <button type="button" id="rep-run">${t("查询", "Show")}</button>
         <a id="rep-csv" href="#">${t("导出 CSV", "CSV")}</a>
         <a id="rep-export" href="#">${t("导出办件过程（GB/T 39046 编码）", "Export steps (GB/T 39046 codes)")}</a></p>
      <table class="list" id="rep-cases"><thead><tr>
        <th>${t("月份", "Month")}</th><th>${t("部门", "Department")}</th><th>${t("事项", "Matter")}</th>
        <th class="num">${t("受理", "Accepted")}</th><th class="num">${t("办结", "Finished")}</th><th class="num">${t("即办率", "On the spot")}</th>
        <th class="num">${t("按时率", "On time")}</th><th class="num">${t("平均用时", "Avg days")}</th><th class="num">${t("承诺时限", "Committed")}</th>
        <th class="num">${t("法定时限", "Legal")}</th><th class="num">${t("超期", "Overdue")}</th></tr></thead><tbody></tbody></table>
    </section>`;
  const pct = (x) => (x == null ? "—" : `${Math.round(x * 1000) / 10}%`);
  const num = (x) => (x == null ? "—" : (Math.round(x * 10) / 10).toString());
  async function supervision() {
    const s = await get("/admin/cases/supervision");
    byId("sup-open").textContent = s.open;
    byId("sup-yellow").textContent = s.due_soon;
    byId("sup-red").textContent = s.overdue;
    byId("sup-today").textContent = s.today;
    if (!rangeFromHall && /^\d{4}-\d{2}-\d{2}$/.test(s.today)) {
      byId("rep-from").value = `${s.today.slice(0, 8)}01`;
      byId("rep-to").value = s.today;
      rangeFromHall = true;
    }
    byId("sup-departments").tBodies[0].innerHTML = s.departments.map((d) => `
      <tr data-department="${esc(d.department)}"><td>${esc(d.name_zh)}</td><td class="num">${d.open}</td><td class="num">${d.paused}</td>
      <td class="num ${d.due_soon ? "warn" : ""}">${d.due_soon}</td><td class="num ${d.overdue ? "bad" : ""}">${d.overdue}</td></tr>`).join("");
    const warned = s.departments.flatMap((d) => d.warned);
    byId("sup-warned").tBodies[0].innerHTML = warned.map((c) => `
      <tr class="case-row" data-warning="${esc(c.due.warning)}"><td>${esc(c.case_no)}</td><td>${esc(c.department_zh)}</td>
      <td>${esc(B.name(c.matter))}</td><td>${esc(t(c.stage_zh, c.stage_en))}</td>
      <td>${esc(c.due.due_on)} <span class="chip ${esc(c.due.warning)}">${c.due.warning === "red" ? t("超期", "overdue") : t("临期", "due soon")}</span></td>
      <td>${esc(c.accepted_by)}</td></tr>`).join("") || `<tr><td colspan="6" class="muted">${t("没有预警办件", "No warnings")}</td></tr>`;
  }
  async function reportRun() {
    const q = `from=${byId("rep-from").value}&to=${byId("rep-to").value}`;
    byId("rep-csv").href = `/api/v1/admin/reports/cases?${q}&format=csv`;
    byId("rep-export").href = `/api/v1/admin/cases/export?${q}`;
    const r = await get(`/admin/reports/cases?${q}`);
    byId("rep-cases").tBodies[0].innerHTML = r.rows.map((x) => `
      <tr class="${x.matter_id === "*" ? "total" : ""}"><td>${esc(x.month)}</td><td>${esc(x.department === "*" ? t("全厅", "Hall") : x.department_zh)}</td><td>${esc(x.matter_zh)}</td>
      <td class="num">${x.accepted}</td><td class="num">${x.finished}</td><td class="num">${pct(x.on_the_spot_rate)}</td>
      <td class="num">${pct(x.on_time_rate)}</td><td class="num">${num(x.avg_working_days)}</td><td class="num">${num(x.committed_limit_days)}</td>
      <td class="num">${num(x.legal_limit_days)}</td><td class="num">${x.overdue}</td></tr>`).join("") || `<tr><td colspan="11" class="muted">${t("该期间没有受理办件", "No cases in this period")}</td></tr>`;
  }
  byId("rep-run").addEventListener("click", (ev) => act(ev.currentTarget, reportRun));
  // Supervision first: it gives the hall's date for the report's range.
  try { await supervision(); } catch (e) { report(e); }
  try { await reportRun(); } catch (e) { report(e); }
  setInterval(() => supervision().catch(report), 60000);
};
