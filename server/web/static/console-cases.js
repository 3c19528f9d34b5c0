// The counter console's cases (办件): accept a case for the citizen being
// served, print its receipt (受理回执) through the browser's print dialog,
// and move the department's cases through their stages from a worklist
// ordered by deadline, yellow a working day before, red when overdue.
// The server decides which steps are allowed; the buttons offered here
// are only those that can follow, and a refusal is shown in the banner.
// Lives beside console.js and follows the counter it renders (the
// "banli:counter" event), so it adds no request to the console's economy.
"use strict";
(function () {
  const { api, t, esc, banner, clearBanner } = Banli;
  const $ = (id) => document.getElementById(id);
  if (!$("cases-panel")) return;
  let guide = [];
  let counterView = null;
  let selected = null;   // case number in the detail pane
  let accepted = null;   // the last accepted case's number
  let formKey = null;    // Idempotency-Key of the form being filled
  const newKey = () => Math.random().toString(36).slice(2) + Date.now().toString(36);

  const counterId = () => (counterView ? counterView.id : null);

  async function loadGuide() {
    const g = await api("GET", "/api/v1/guide");
    guide = g.items || [];
    renderMatters();
  }

  // The counter on screen, as console.js renders it (its department and
  // current ticket): no request of this panel's own.
  function counterChanged(counter) {
    const before = counterView;
    counterView = counter;
    const cur = counterView && counterView.current;
    if (!before || before.department !== counter.department) renderMatters();
    $("case-for").textContent = cur ? t(`为 ${cur.number} 号受理`, `for ${cur.number}`) : t("（请先叫号）", "(call a ticket first)");
    $("btn-accept").disabled = !cur;
  }

  function renderMatters() {
    const dept = counterView ? counterView.department : null;
    const items = guide.filter((i) => !dept || i.department === dept || dept === "center");
    const html = items.map((i) => `<option value="${esc(i.id)}">${esc(t(i.name_zh, i.name_en || i.name_zh))}</option>`).join("");
    const select = $("case-matter");
    if (select.dataset.opts !== html) {
      const keep = select.value;
      select.innerHTML = html;
      select.dataset.opts = html;
      if (items.some((i) => i.id === keep)) select.value = keep;
    }
    matterInfo();
  }

  function matterInfo() {
    const m = guide.find((i) => i.id === $("case-matter").value);
    if (!m) { $("case-matter-info").textContent = ""; return; }
    $("case-matter-info").textContent = m.on_the_spot
      ? t("即办件：当场办结", "On the spot: decided in this visit")
      : t(`承诺件：承诺 ${m.committed_limit_days ?? m.legal_limit_days} 个工作日` + (m.legal_limit_days != null ? `（法定 ${m.legal_limit_days}）` : ""),
          `Committed: ${m.committed_limit_days ?? m.legal_limit_days} working days` + (m.legal_limit_days != null ? ` (legal ${m.legal_limit_days})` : ""));
  }

  async function accept(ev) {
    ev.preventDefault();
    const id = counterId();
    const button = $("btn-accept");
    if (!id || button.disabled) return;
    button.disabled = true;
    clearBanner();
    if (!formKey) formKey = newKey();
    const body = {
      matter_id: $("case-matter").value,
      applicant_name: $("case-name").value,
      phone: $("case-phone").value || null,
      id_number: $("case-id").value || null,
    };
    try {
      const resp = await fetch(`/api/v1/counters/${id}/cases`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": Banli.csrf, "Idempotency-Key": formKey },
        body: JSON.stringify(body),
      });
      const json = await resp.json().catch(() => null);
      if (!resp.ok) throw new Banli.ApiError(resp.status, json);
      formKey = null;
      accepted = json.case.case_no;
      $("accepted-no").textContent = json.case.case_no;
      $("accepted-password").textContent = json.password;
      const due = json.case.due.due_on;
      $("accepted-due").textContent = json.case.matter.kind === "on_the_spot"
        ? t("即办件，请当场办结", "On the spot: decide it now")
        : t(`承诺办结日期：${due}`, `Committed by ${due}`);
      $("case-accepted").hidden = false;
      $("case-accept").reset();
      renderMatters();
      await loadWorklist();
      select(accepted);
    } catch (e) {
      banner(e.message);
    } finally {
      button.disabled = !(counterView && counterView.current);
    }
  }

  function printReceipt(paper) {
    if (!accepted) return;
    window.open(`/console/cases/${encodeURIComponent(accepted)}/receipt?paper=${paper}#print`, "_blank");
  }

  let worklist = [];
  async function loadWorklist() {
    try {
      const list = await api("GET", "/api/v1/cases");
      worklist = list.cases;
      renderWorklist();
      if (selected) renderDetail();
    } catch (e) { banner(e.message); }
  }

  function dueCell(c) {
    if (c.stage === "approved" || c.stage === "disapproved") return t("待取件", "to collect");
    if (c.paused) return `<span class="chip paused">${c.paused === "correction" ? t("补正中", "materials") : t("特别程序", "special")}</span> ${t(`剩 ${c.due.remaining_days} 日`, `${c.due.remaining_days} d left`)}`;
    const chip = c.due.warning === "red" ? `<span class="chip red">${t("超期", "overdue")}</span>`
      : c.due.warning === "yellow" ? `<span class="chip yellow">${t("临期", "due soon")}</span>` : "";
    return `${esc(c.due.due_on || "—")} ${chip}`;
  }

  function renderWorklist() {
    $("case-count").textContent = t(`共 ${worklist.length} 件`, `${worklist.length} in all`);
    $("case-worklist").querySelector("tbody").innerHTML = worklist.map((c) => `
      <tr class="case-row" data-case="${esc(c.case_no)}" data-warning="${esc(c.due.warning || "")}">
        <td class="case-no">${esc(c.case_no)}</td><td class="matter">${esc(t(c.matter.name_zh, c.matter.name_en || c.matter.name_zh))}</td>
        <td>${esc(c.applicant_name)}</td><td>${esc(t(c.stage_zh, c.stage_en))}</td><td>${dueCell(c)}</td>
        <td><button type="button" class="case-open" data-case="${esc(c.case_no)}">${t("办理", "Open")}</button></td>
      </tr>`).join("") || `<tr><td colspan="6" class="muted">${t("本部门暂无在办件", "No open cases")}</td></tr>`;
  }

  // The steps that can follow, as the server's rules allow them.
  function actionsFor(c) {
    const A = [];
    const spot = c.matter.kind === "on_the_spot";
    if (c.paused === "correction") {
      A.push(["materials_received", t("补正材料已收", "Materials received")]);
      if (c.stage === "accepted") A.push(["refuse", t("不予受理", "Not accept")]);
      A.push(["withdraw", t("撤回", "Withdraw")]);
      return A;
    }
    if (c.paused === "special") return [["end_special", t("结束特别程序", "End special procedure")], ["withdraw", t("撤回", "Withdraw")]];
    switch (c.stage) {
      case "accepted":
        A.push(["undertake", t("承办", "Start handling")]);
        if (spot) A.push(["approve", t("办结（通过）", "Approve")], ["disapprove", t("办结（不通过）", "Disapprove")]);
        A.push(["request_correction", t("补正告知", "Request materials")], ["refuse", t("不予受理", "Not accept")], ["withdraw", t("撤回", "Withdraw")]);
        break;
      case "undertaking":
        A.push(["review", t("审核", "Review")]);
        if (spot) A.push(["approve", t("办结（通过）", "Approve")], ["disapprove", t("办结（不通过）", "Disapprove")]);
        A.push(["request_correction", t("补正告知", "Request materials")], ["start_special", t("特别程序", "Special procedure")], ["withdraw", t("撤回", "Withdraw")]);
        break;
      case "reviewing":
        A.push(["approve", t("办结（通过）", "Approve")], ["disapprove", t("办结（不通过）", "Disapprove")],
          ["request_correction", t("补正告知", "Request materials")], ["start_special", t("特别程序", "Special procedure")], ["withdraw", t("撤回", "Withdraw")]);
        break;
      case "approved": case "disapproved":
        A.push(["pick_up", t("取件", "Collected")]);
        break;
      default: break;
    }
    return A;
  }

  async function select(no) {
    selected = no;
    try {
      const c = await api("GET", `/api/v1/cases/${encodeURIComponent(no)}`);
      renderDetail(c);
    } catch (e) { banner(e.message); }
  }

  function renderDetail(full) {
    const c = full || worklist.find((x) => x.case_no === selected);
    if (!c) { $("case-detail").hidden = true; return; }
    if (!full) { select(selected); return; }
    $("case-detail").hidden = false;
    $("case-detail").dataset.case = c.case_no;
    $("detail-title").textContent = `${c.case_no} · ${t(c.matter.name_zh, c.matter.name_en || c.matter.name_zh)} · ${t(c.stage_zh, c.stage_en)}`;
    const due = c.due.due_on ? t(`承诺办结 ${c.due.due_on}`, `due ${c.due.due_on}`) : (c.due.remaining_days != null ? t(`计时暂停，剩 ${c.due.remaining_days} 个工作日`, `clock stopped, ${c.due.remaining_days} days left`) : "");
    $("detail-info").textContent = `${c.applicant_name}${c.phone ? " · " + c.phone : ""}${c.id_number_masked ? " · " + c.id_number_masked : ""} · ${t("受理", "accepted")} ${c.accepted_on} · ${due}` +
      (c.missing_materials.length ? ` · ${t("补正材料", "materials")}：${c.missing_materials.join("、")}` : "");
    $("detail-steps").innerHTML = (c.steps || []).map((s) => `<li><span class="when">${esc(Banli.time(s.at))}</span> ${esc(t(s.status_zh, s.status_en))} <small class="muted">${esc(s.actor)}${s.detail ? " · " + esc(s.detail) : ""}${s.note ? " · " + esc(s.note) : ""}</small></li>`).join("");
    $("detail-actions").innerHTML = actionsFor(c).map(([a, label]) => `<button type="button" data-action="${a}" id="case-${a}">${esc(label)}</button>`).join("");
  }

  async function step(action, button) {
    if (!selected || button.disabled) return;
    const text = $("case-text").value.trim();
    const note = $("case-note").value.trim();
    let body = { action, note };
    if (action === "approve" || action === "disapprove") body = { action: "decide", approved: action === "approve", note };
    if (action === "request_correction") body.materials = text.split(/\n|；|;/).map((s) => s.trim()).filter(Boolean);
    if (action === "refuse") body.reason = text;
    if (action === "start_special") { body.procedure = text; body.limit_days = Number($("case-days").value); }
    button.disabled = true;
    clearBanner();
    try {
      const c = await api("POST", `/api/v1/cases/${encodeURIComponent(selected)}/steps`, body);
      $("case-text").value = "";
      $("case-note").value = "";
      await loadWorklist();
      if (worklist.some((x) => x.case_no === c.case_no)) renderDetail(c); else { selected = null; $("case-detail").hidden = true; }
    } catch (e) {
      banner(e.message);
      button.disabled = false;
    }
  }

  $("case-accept").addEventListener("submit", accept);
  $("case-matter").addEventListener("change", matterInfo);
  $("btn-receipt-a5").addEventListener("click", () => printReceipt("a5"));
  $("btn-receipt-slip").addEventListener("click", () => printReceipt("receipt"));
  $("case-worklist").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.case-open");
    if (b) select(b.dataset.case);
  });
  $("detail-actions").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action]");
    if (b) step(b.dataset.action, b);
  });
  document.addEventListener("banli:counter", (ev) => counterChanged(ev.detail));
  // Deadlines move with the date and other clerks' steps: refresh now and then.
  setInterval(loadWorklist, 30000);
  $("btn-accept").disabled = true;
  loadGuide().catch((e) => banner(e.message));
  loadWorklist();
})();
