// Banli admin console, page 「模拟 · What-if」: the director changes counters
// (services, weights, policy, staffed hours; adds or removes them) and the
// demand, runs the simulator on the hall as it is and as changed, and reads
// the predicted waits side by side; and asks for staffing advice for a
// target wait. Nothing here is applied to the live hall.
//
// Loaded before admin.js, which calls BanliAdminPages.whatif(kit) with its
// shared helpers when this page is open. Labels are Chinese and English
// together: the page is read at a glance by a director and their staff.
"use strict";
window.BanliAdminPages = window.BanliAdminPages || {};
window.BanliAdminPages.whatif = async function whatifPage(kit) {
  const { B, t, esc, body, byId, get, send, act, report, info, POLICIES } = kit;
  // A label in both languages: the page's language first.
  const bi = (zh, en) => (B.lang === "en" ? `${en} · ${zh}` : `${zh} · ${en}`);
  const two = (zh, en) => `<span class="zh">${zh}</span><span class="en">${en}</span>`;
  const MAX_DAYS = 20;

  let config;
  let services;
  try {
    [config, services] = await Promise.all([get("/admin/config"), get("/admin/services")]);
  } catch (e) { report(e); return; }
  const svcName = (id) => { const s = services.find((x) => x.id === id); return s ? `${s.prefix} ${B.name(s)}` : id; };

  // The counters as edited: {counter, hours: "" (as the profile) | text | "closed", removed, added}.
  let rows = [];
  function resetRows() {
    rows = config.counters.map((c) => ({ counter: JSON.parse(JSON.stringify(c)), hours: "", removed: false, added: false }));
  }
  resetRows();

  body.innerHTML = `
    <p class="whatif-note" id="wi-note">${two("⚠ 这里只做模拟：不会改动大厅的任何实际设置，取号叫号照常进行。",
      "Simulation only: nothing here changes the live hall; tickets are issued and called as usual.")}</p>
    <section class="panel">
      <h2>${bi("模拟哪一天", "The day simulated")}</h2>
      <form class="form compact" id="wi-day" novalidate>
        <label for="wi-profile">${bi("客流画像", "Demand profile")}</label>
        <div class="ctl"><select id="wi-profile">
          <option value="demo">${esc(bi("演示大厅 · 普通工作日", "Demo hall, a typical weekday"))}</option>
          <option value="history">${esc(bi("本大厅的历史记录", "This hall's recorded days"))}</option>
          <option value="toml">${esc(bi("上传画像文件（TOML）", "Upload a profile (TOML)"))}</option></select>
          <span id="wi-history" hidden>
            <label class="sr" for="wi-weekday">${t("星期", "Day of the week")}</label>
            <select id="wi-weekday"><option value="">${esc(bi("每天", "Every day"))}</option>
              ${["一 Mon", "二 Tue", "三 Wed", "四 Thu", "五 Fri", "六 Sat", "日 Sun"].map((d, i) => `<option value="${i + 1}">${esc(t("星期" + d.split(" ")[0], d.split(" ")[1]))}</option>`).join("")}</select>
            <label class="sr" for="wi-month">${t("月份", "Month")}</label>
            <select id="wi-month"><option value="">${esc(bi("全年", "Any month"))}</option>
              ${Array.from({ length: 12 }, (_, i) => `<option value="${i + 1}">${esc(t(`${i + 1} 月`, ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][i]))}</option>`).join("")}</select>
          </span>
          <input type="file" id="wi-profile-file" accept=".toml,text/plain" hidden>
          <div class="hint">${t("画像写明各业务每刻钟来多少人、每人办多久、窗口几点在岗；格式见 assets/demo-profile.toml。",
            "A profile says who comes when, how long each takes, and when clerks are at the counters; see assets/demo-profile.toml.")}</div></div>
        <label for="wi-days">${bi("模拟天数", "Days")}</label>
        <div class="ctl"><input type="number" id="wi-days" class="tiny" min="1" max="${MAX_DAYS}" value="5">
          <span class="hint inline-hint">${t("1–20 天；天数越多越稳，越慢。", "1-20; more days are steadier, and slower.")}</span></div>
        <label for="wi-seed">${bi("随机种子", "Seed")}</label>
        <div class="ctl"><input type="number" id="wi-seed" class="tiny" min="0" value="1">
          <span class="hint inline-hint">${t("同一种子、同样的市民：两种方案比的是同一批人。", "The same seed, the same citizens in both columns.")}</span></div>
      </form>
    </section>
    <section class="panel">
      <h2>${bi("要试的改动", "Changes to try")} <span class="muted small" id="wi-changed-count"></span></h2>
      <div class="wi-scroll"><table class="list wi-edit" id="wi-counters"><thead><tr>
        <th>${two("窗口", "Counter")}</th><th>${two("办理业务（权重）", "Services (weight)")}</th><th>${two("叫号方式", "Policy")}</th>
        <th>${two("在岗时间", "Staffed hours")}</th><th></th></tr></thead><tbody></tbody></table></div>
      <div class="toolbar">
        <button type="button" id="wi-add-counter">${bi("+ 加开窗口", "+ Add a counter")}</button>
        <label for="wi-demand">${bi("客流增减", "Demand")}</label>
        <input type="number" id="wi-demand" class="tiny" min="-90" max="300" step="5" value="0"><span>%</span>
        <span class="muted small">${t("只改「改后」一列：如 +20 表示多来两成人。", "Changed column only: +20 means a fifth more citizens.")}</span>
      </div>
      <p class="hint">${t("在岗时间写作 09:00-12:00, 13:30-17:00；留空则按客流画像；写「不在岗」表示全天关闭。",
        "Write staffed hours like 09:00-12:00, 13:30-17:00; blank follows the profile; \"closed\" means closed all day.")}</p>
      <h3>${bi("排队规则", "Queue rules")}</h3>
      <form class="form compact" id="wi-rules" novalidate>
        <label for="wi-burst">${bi("绿色通道最多连续叫", "Priority calls in a row at most")}</label>
        <div class="ctl"><input type="number" id="wi-burst" class="tiny" min="0" max="100"></div>
        <label for="wi-requeue-after">${bi("过号重排：排在几人之后", "A re-queued no-show goes after")}</label>
        <div class="ctl"><input type="number" id="wi-requeue-after" class="tiny" min="0" max="1000"></div>
        <label for="wi-transfer">${bi("转办后的位置", "Transferred tickets go")}</label>
        <div class="ctl"><select id="wi-transfer">
          <option value="front">${esc(bi("队首", "to the front"))}</option>
          <option value="by_issue_time">${esc(bi("按取号时间", "by issue time"))}</option>
          <option value="back">${esc(bi("队尾", "to the back"))}</option></select></div>
        <label for="wi-stop">${bi("下班前几分钟停止取号", "Stop issuing before closing (min)")}</label>
        <div class="ctl"><input type="number" id="wi-stop" class="tiny" min="0" max="720"></div>
      </form>
      <div class="actions-row">
        <button type="button" class="primary big" id="wi-run">${bi("运行模拟", "Run")}</button>
        <button type="button" id="wi-reset">${bi("撤销所有改动", "Undo all changes")}</button>
        <span class="muted" id="wi-status" role="status" aria-live="polite"></span>
      </div>
    </section>
    <section class="panel" id="wi-result" hidden>
      <h2>${bi("预计等候：现在与改后", "Predicted waits: now and changed")} <span class="muted small" id="wi-result-sub"></span></h2>
      <div class="wi-scroll"><table class="list wi-compare" id="wi-table"></table></div>
      <p class="legend small"><span class="better">▼ ${t("缩短", "shorter")}</span> <span class="worse">▲ ${t("变长", "longer")}</span>
        ${t("等候指取号到第一次叫号；「90% 等候」：九成的人不超过这个时间。", "Waits run from taking a ticket to the first call; P90: nine in ten wait no longer.")}</p>
      <h3>${bi("窗口利用率", "Counter utilisation")}</h3>
      <div class="wi-scroll"><table class="list wi-compare" id="wi-util"></table></div>
    </section>
    <section class="panel" id="wi-staffing">
      <h2>${bi("人员建议", "Staffing advice")}</h2>
      <p class="muted">${t("按客流画像，算出每项业务每个时段最少需要几个专门窗口，才能让九成的人在目标时间内被叫到。用上面的客流画像和客流增减。",
        "From the profile: the fewest dedicated counters per service and hour so that nine in ten are called within the target. Uses the profile and demand above.")}</p>
      <div class="toolbar">
        <label for="wi-target">${bi("目标：90% 等候不超过", "Target: P90 wait at most")}</label>
        <input type="number" id="wi-target" class="tiny" min="1" max="600" value="15"><span>${t("分钟", "min")}</span>
        <button type="button" class="primary" id="wi-advise">${bi("人员建议", "Staffing advice")}</button>
        <span class="muted" id="wi-advise-status" role="status" aria-live="polite"></span>
      </div>
      <div id="wi-advice"></div>
    </section>`;

  const tbody = byId("wi-counters").tBodies[0];
  const policyOptions = Object.entries(POLICIES).map(([k, v]) => [k, t(v[0], v[1])]);
  const sel = (id, options, selected) => `<select id="${id}">${options.map(([v, l]) =>
    `<option value="${esc(v)}"${String(v) === String(selected) ? " selected" : ""}>${esc(l)}</option>`).join("")}</select>`;
  const svcOptions = services.map((s) => [s.id, svcName(s.id)]);

  function draw() {
    tbody.innerHTML = rows.map((r, i) => {
      const c = r.counter;
      const svc = c.services.map((cs, k) => `<div class="wi-svc">
          <label class="sr" for="wi-c${i}-s${k}">${t("业务", "Service")} ${k + 1}</label>${sel(`wi-c${i}-s${k}`, svcOptions, cs.service)}
          <label class="sr" for="wi-c${i}-w${k}">${t("权重", "Weight")} ${k + 1}</label><input type="number" id="wi-c${i}-w${k}" class="tiny" min="1" max="1000" value="${esc(cs.weight)}" title="${t("权重", "Weight")}">
          <button type="button" class="icon" data-act="drop-svc" data-i="${i}" data-k="${k}" aria-label="${t("去掉此业务", "Remove this service")}"${c.services.length < 2 ? " disabled" : ""}>✕</button></div>`).join("");
      return `<tr data-i="${i}" class="${r.removed ? "removed" : ""}${r.added ? " added" : ""}">
        <td class="wi-name">${esc(B.name(c))}${r.added ? ` <span class="tag">${t("新增", "new")}</span>` : ""}</td>
        <td>${svc}<button type="button" class="small" data-act="add-svc" data-i="${i}">${t("+ 业务", "+ Service")}</button></td>
        <td><label class="sr" for="wi-c${i}-policy">${t("叫号方式", "Policy")}</label>${sel(`wi-c${i}-policy`, policyOptions, c.policy)}</td>
        <td><label class="sr" for="wi-c${i}-hours">${t("在岗时间", "Staffed hours")}</label><input type="text" id="wi-c${i}-hours" class="wi-hours" value="${esc(r.hours)}" placeholder="${esc(t("按画像", "as the profile"))}" autocomplete="off"></td>
        <td class="row-actions"><button type="button" class="small${r.removed ? "" : " danger"}" id="wi-c${i}-remove" data-act="remove" data-i="${i}">${r.removed ? t("恢复", "Restore") : t("撤掉", "Remove")}</button></td></tr>`;
    }).join("");
    const changed = countChanges();
    byId("wi-changed-count").textContent = changed ? t(`已改 ${changed} 处`, `${changed} change(s)`) : t("尚未改动", "no changes yet");
  }

  // Reads the inputs back into rows.
  function sync() {
    rows.forEach((r, i) => {
      r.counter.services = r.counter.services.map((_, k) => ({
        service: byId(`wi-c${i}-s${k}`).value,
        weight: Number(byId(`wi-c${i}-w${k}`).value) || 1,
      }));
      r.counter.policy = byId(`wi-c${i}-policy`).value;
      r.hours = byId(`wi-c${i}-hours`).value.trim();
    });
  }

  function countChanges() {
    let n = 0;
    for (const r of rows) {
      const orig = config.counters.find((c) => c.id === r.counter.id);
      if (r.added || r.removed || r.hours) n++;
      else if (orig && JSON.stringify(orig.services) !== JSON.stringify(r.counter.services)) n++;
      else if (orig && orig.policy !== r.counter.policy) n++;
    }
    if (Number(byId("wi-demand").value)) n++;
    const r = config.rules;
    if (String(r.priority_burst) !== byId("wi-burst").value) n++;
    if (String(r.requeue_after) !== byId("wi-requeue-after").value) n++;
    if (r.transfer_position !== byId("wi-transfer").value) n++;
    if (String(r.stop_issuing_minutes) !== byId("wi-stop").value) n++;
    return n;
  }

  tbody.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-act]");
    if (!b) return;
    sync();
    const r = rows[Number(b.dataset.i)];
    if (!r) return;
    if (b.dataset.act === "remove") {
      if (r.added) rows.splice(Number(b.dataset.i), 1); else r.removed = !r.removed;
    } else if (b.dataset.act === "add-svc") {
      const free = services.find((s) => !r.counter.services.some((cs) => cs.service === s.id));
      r.counter.services.push({ service: (free || services[0]).id, weight: 1 });
    } else if (b.dataset.act === "drop-svc") {
      r.counter.services.splice(Number(b.dataset.k), 1);
    }
    draw();
  });
  tbody.addEventListener("change", () => { sync(); draw(); });
  byId("wi-demand").addEventListener("change", draw);

  byId("wi-add-counter").addEventListener("click", () => {
    sync();
    const id = rows.reduce((m, r) => Math.max(m, r.counter.id), 0) + 1;
    const first = services.find((s) => s.enabled) || services[0];
    const dept = first ? first.department : (config.departments[0] || {}).id;
    rows.push({
      counter: {
        id, name_zh: `${id}号窗口`, name_en: `Counter ${id}`, zone: "", department: dept,
        services: first ? [{ service: first.id, weight: 1 }] : [], policy: "ordered", auto_call: true,
      },
      hours: "", removed: false, added: true,
    });
    draw();
    const s = byId(`wi-c${rows.length - 1}-s0`);
    if (s) s.focus();
  });
  // The queue rules as they are now, into the rule inputs.
  function resetRules() {
    const r = config.rules;
    byId("wi-burst").value = r.priority_burst;
    byId("wi-requeue-after").value = r.requeue_after;
    byId("wi-transfer").value = r.transfer_position;
    byId("wi-stop").value = r.stop_issuing_minutes;
  }
  resetRules();
  byId("wi-rules").addEventListener("change", draw);

  byId("wi-reset").addEventListener("click", () => {
    resetRows();
    resetRules();
    byId("wi-demand").value = "0";
    draw();
    B.clearBanner();
  });
  byId("wi-profile").addEventListener("change", () => {
    const file = byId("wi-profile-file");
    file.hidden = byId("wi-profile").value !== "toml";
    byId("wi-history").hidden = byId("wi-profile").value !== "history";
    if (!file.hidden) file.click();
  });

  // "09:00-12:00, 13:30-17:00" → periods; "closed"/「不在岗」 → []; errors named.
  const CLOSED = /^(closed|不在岗|关闭|全天关闭)$/i;
  function parseHours(s, label) {
    if (CLOSED.test(s)) return [];
    const periods = [];
    for (const part of s.split(/[,，;；、]+/).map((x) => x.trim()).filter(Boolean)) {
      const m = /^(\d{1,2}):(\d{2})\s*[-–—~～至到]\s*(\d{1,2}):(\d{2})$/.exec(part);
      if (!m) throw new Error(t(`${label}：「${part}」看不懂，请写作 09:00-12:00`, `${label}: cannot read "${part}"; write 09:00-12:00`));
      const hm = (h, mi) => `${h.padStart(2, "0")}:${mi}`;
      periods.push({ open: hm(m[1], m[2]), close: hm(m[3], m[4]) });
    }
    return periods;
  }

  async function profileChoice() {
    if (byId("wi-profile").value === "history") {
      const n = (id) => (byId(id).value ? Number(byId(id).value) : null);
      return { source: "history", weekday: n("wi-weekday"), month: n("wi-month") };
    }
    if (byId("wi-profile").value !== "toml") return { source: "demo" };
    const f = byId("wi-profile-file").files[0];
    if (!f) throw new Error(t("请选择要上传的画像文件。", "Choose a profile file to upload."));
    return { source: "toml", text: await f.text() };
  }

  function whole(id, min, max, label) {
    const s = byId(id).value.trim();
    const n = Number(s);
    if (!/^-?\d+$/.test(s) || n < min || n > max) throw new Error(t(`${label}须为 ${min} 到 ${max} 的整数`, `${label} must be a whole number from ${min} to ${max}`));
    return n;
  }

  async function request() {
    sync();
    const counters = [];
    const staffing = [];
    for (const r of rows) {
      if (r.removed) continue;
      counters.push(r.counter);
      if (r.hours) staffing.push({ id: r.counter.id, periods: parseHours(r.hours, t(`${r.counter.id} 号窗口在岗时间`, `Counter ${r.counter.id} hours`)) });
    }
    return {
      profile: await profileChoice(),
      days: whole("wi-days", 1, MAX_DAYS, t("模拟天数", "Days")),
      seed: whole("wi-seed", 0, 2 ** 53 - 1, t("随机种子", "Seed")),
      changes: {
        config: Object.assign({}, config, {
          counters,
          rules: Object.assign({}, config.rules, {
            priority_burst: whole("wi-burst", 0, 100, t("绿色通道最多连续叫", "Priority calls in a row")),
            requeue_after: whole("wi-requeue-after", 0, 1000, t("过号重排位置", "Re-queue position")),
            transfer_position: byId("wi-transfer").value,
            stop_issuing_minutes: whole("wi-stop", 0, 720, t("停止取号时间", "Stop issuing")),
          }),
        }),
        counters: staffing,
        demand_percent: whole("wi-demand", -90, 300, t("客流增减", "Demand")),
      },
    };
  }

  // Local problems (unreadable hours, a missing file) go to the banner.
  function local(fn) {
    return async () => {
      try { return await fn(); } catch (e) {
        if (e instanceof B.ApiError) throw e;
        B.banner(e.message, "error");
        return undefined;
      }
    };
  }

  const m1 = (x) => (x == null ? "—" : x.toFixed(1));
  const pct = (x) => (x == null ? "—" : Math.round(x * 100) + "%");
  // A change of waits: shorter is better (green), longer worse (red).
  function delta(d, unit) {
    if (d == null || Math.abs(d) < 0.05) return `<td class="num delta same">±0</td>`;
    const cls = d < 0 ? "better" : "worse";
    return `<td class="num delta ${cls}">${d < 0 ? "▼" : "▲"} ${Math.abs(d).toFixed(1)}${unit || ""}</td>`;
  }
  function countDelta(now, then, moreIsBetter) {
    const d = then - now;
    if (!d) return `<td class="num delta same">±0</td>`;
    const good = moreIsBetter ? d > 0 : d < 0;
    return `<td class="num delta ${good ? "better" : "worse"}">${d > 0 ? "+" : "−"}${Math.abs(d)}</td>`;
  }

  function drawResult(res) {
    byId("wi-result").hidden = false;
    byId("wi-result-sub").textContent = t(`${res.days} 天 · 种子 ${res.seed} · 用时 ${(res.elapsed_ms / 1000).toFixed(1)} 秒 · ${res.profile_name}`,
      `${res.days} day(s) · seed ${res.seed} · ${(res.elapsed_ms / 1000).toFixed(1)} s · ${res.profile_name}`);
    const head = `<thead><tr><th rowspan="2">${two("业务", "Service")}</th>
      <th colspan="3" class="group">${two("平均等候（分钟）", "Mean wait (min)")}</th>
      <th colspan="3" class="group">${two("90% 等候（分钟）", "P90 wait (min)")}</th>
      <th colspan="2" class="group">${two("办结", "Served")}</th><th colspan="2" class="group">${two("未办结", "Not served")}</th></tr>
      <tr>${[0, 1].map(() => `<th class="num">${two("现在", "Now")}</th><th class="num changed">${two("改后", "Changed")}</th><th class="num">${two("变化", "Change")}</th>`).join("")}
      ${[0, 1].map(() => `<th class="num">${two("现在", "Now")}</th><th class="num changed">${two("改后", "Changed")}</th>`).join("")}</tr></thead>`;
    const line = (s, cls) => `<tr class="${cls || ""}" data-service="${esc(s.service)}">
      <td>${s.prefix ? `<span class="prefix">${esc(s.prefix)}</span> ` : ""}${esc(B.lang === "en" && s.name_en ? s.name_en : s.name_zh)}</td>
      <td class="num">${m1(s.current.mean_wait)}</td><td class="num changed">${m1(s.changed.mean_wait)}</td>${delta(s.difference.mean_wait)}
      <td class="num">${m1(s.current.p90_wait)}</td><td class="num changed">${m1(s.changed.p90_wait)}</td>${delta(s.difference.p90_wait)}
      <td class="num">${s.current.served}</td><td class="num changed">${s.changed.served}</td>
      <td class="num">${s.current.abandoned}</td><td class="num changed">${s.changed.abandoned}</td></tr>`;
    byId("wi-table").innerHTML = head + "<tbody>" + res.services.map((s) => line(s)).join("") + line(res.hall, "total") + "</tbody>";
    byId("wi-util").innerHTML = `<thead><tr><th>${two("窗口", "Counter")}</th><th class="num">${two("现在", "Now")}</th><th class="num changed">${two("改后", "Changed")}</th>
      <th class="num">${two("办结（现在）", "Served (now)")}</th><th class="num changed">${two("办结（改后）", "Served (changed)")}</th></tr></thead><tbody>` +
      res.counters.map((c) => {
        const now = c.current, then = c.changed;
        const cls = !now ? "added" : !then ? "removed" : "";
        return `<tr class="${cls}" data-counter="${c.counter}"><td>${esc(B.lang === "en" && c.name_en ? c.name_en : c.name_zh)}${!now ? ` <span class="tag">${t("新增", "new")}</span>` : ""}${!then ? ` <span class="tag">${t("撤掉", "removed")}</span>` : ""}</td>
          <td class="num">${now ? pct(now.utilisation) : "—"}</td><td class="num changed">${then ? pct(then.utilisation) : "—"}</td>
          <td class="num">${now ? now.served : "—"}</td><td class="num changed">${then ? then.served : "—"}</td></tr>`;
      }).join("") + "</tbody>";
  }

  byId("wi-run").addEventListener("click", (ev) => act(ev.currentTarget, local(async () => {
    const req = await request();
    byId("wi-status").textContent = t("正在模拟……", "Simulating…");
    try {
      const res = await send("POST", "/admin/whatif", req);
      drawResult(res);
      byId("wi-status").textContent = "";
      byId("wi-result").scrollIntoView({ block: "start" });
    } finally {
      if (byId("wi-status").textContent) byId("wi-status").textContent = "";
    }
  })));

  function drawAdvice(a) {
    const slotHead = a.slots.map((s) => `<th class="num">${esc(s.open)}</th>`).join("");
    const rowsHtml = a.services.map((s) => `<tr data-service="${esc(s.service)}"><td>${esc(svcName(s.service))}</td>` +
      s.counters.map((n, j) => {
        const w = s.waits[j];
        const wait = w.tickets === 0 ? "—" : w.p90 == null ? t("叫不到", "never") : `${w.p90.toFixed(0)}′`;
        return `<td class="num cell${w.met ? "" : " unmet"}" title="${esc(t(`90% 等候 ${wait}，${w.tickets} 人`, `P90 wait ${wait}, ${w.tickets} tickets`))}"><span class="n">${n}</span><span class="w">${wait}</span></td>`;
      }).join("") + `<td class="num">${s.counters.reduce((x, y) => Math.max(x, y), 0)}</td></tr>`).join("");
    const unmet = a.unmet.length
      ? `<p class="alert">${t("以下时段即使加到上限也达不到目标：", "Not met even at the bound:")} ${a.unmet.map((u) => `${esc(svcName(u.service))} ${esc(a.slots[u.slot].open)}`).join(t("、", ", "))}</p>` : "";
    byId("wi-advice").innerHTML = `<div class="wi-scroll"><table class="list wi-advice" id="wi-advice-table"><thead><tr><th>${two("业务", "Service")}</th>${slotHead}<th class="num">${two("最多", "Most")}</th></tr></thead>
      <tbody>${rowsHtml}</tbody></table></div>
      <p class="muted small">${t(`大字：需要的窗口数；小字：这样安排时 90% 的人等候不超过几分钟。每天共 ${a.counter_hours.toFixed(1)} 窗口·小时；模拟 ${a.days} 天 × ${a.simulations} 种安排，用时 ${(a.elapsed_ms / 1000).toFixed(1)} 秒。`,
        `Large: counters needed; small: the P90 wait that gives. ${a.counter_hours.toFixed(1)} counter-hours a day; ${a.days} day(s) × ${a.simulations} staffings tried in ${(a.elapsed_ms / 1000).toFixed(1)} s.`)}</p>${unmet}`;
  }

  byId("wi-advise").addEventListener("click", (ev) => act(ev.currentTarget, local(async () => {
    const req = await request();
    const target = Number(byId("wi-target").value);
    byId("wi-advise-status").textContent = t("正在计算……", "Working…");
    try {
      const a = await send("POST", "/admin/staffing", {
        target_p90_minutes: target, profile: req.profile, config: req.changes.config,
        demand_percent: req.changes.demand_percent, days: Math.min(req.days, 10), seed: req.seed,
      });
      drawAdvice(a);
      byId("wi-staffing").scrollIntoView({ block: "start" });
      info(t("人员建议只是模拟结果，不会改动大厅设置。", "Staffing advice is a simulation; nothing in the hall was changed."));
    } finally {
      byId("wi-advise-status").textContent = "";
    }
  })));

  draw();
};
