/* The tracker editor: fills the form from the tracker's data, asks the plan (the API's validate operation) as
   the editor types, lists every problem at once (summary and next to its field) and saves through the API's
   own create/change operations, reached with the session under /studio/api. No inline code (CSP). */
(function () {
  "use strict";
  const form = document.getElementById("tracker");
  if (!form) return;
  const data = JSON.parse(document.getElementById("studio-data").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let pollId = form.dataset.poll;  // set once the tracker is created: saving again changes it
  const $ = (id) => document.getElementById(id);
  let uid = 0;
  const nextId = (prefix) => prefix + "-" + (++uid);

  // --- small builders ------------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }
  function labelled(labelText, input) {
    const id = input.id || (input.id = nextId("f"));
    return el("div", { class: "field" }, [el("label", { for: id, text: labelText }), input]);
  }
  function removeButton(row, what) {
    const b = el("button", { type: "button", class: "remove", text: "Remove" });
    b.append(el("span", { class: "visually-hidden", text: " " + what }));
    b.addEventListener("click", () => { row.remove(); changed(); });
    return b;
  }
  function slug(text) {
    const s = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
    return s || "";
  }
  function words(value) {
    return typeof value === "string" ? { "": value } : (value || {});
  }

  // --- brands ---------------------------------------------------------------------------------------------
  function addBrand(brand, own) {
    const row = el("li", { class: "row brand" });
    const name = el("input", { maxlength: "100", autocomplete: "off", class: "brand-name" });
    const aliases = el("input", { autocomplete: "off", class: "brand-aliases" });
    const radio = el("input", { type: "radio", name: "own_brand", class: "brand-own" });
    name.value = brand ? brand.name : "";
    aliases.value = brand ? (brand.aliases || []).join(", ") : "";
    row.dataset.id = brand ? brand.id : "";
    radio.checked = !!own;
    const radioId = nextId("own");
    radio.id = radioId;
    const which = el("span", { class: "visually-hidden brand-which" });
    row.append(
      labelled("Brand name", name),
      labelled("Aliases and misspellings", aliases),
      el("div", { class: "field own" }, [radio, el("label", { for: radioId }, ["Our own brand", which])]),
      removeButton(row, "brand"),
    );
    // the radio and the remove button say which brand they are for (a screen reader reads them apart)
    const say = () => {
      which.textContent = name.value.trim() ? ": " + name.value.trim() : "";
      row.querySelector(".remove span").textContent = " brand " + name.value.trim();
    };
    name.addEventListener("input", say);
    say();
    $("brand-rows").append(row);
    return row;
  }
  function brandRows() {
    return [...$("brand-rows").children].filter((r) => r.querySelector(".brand-name").value.trim());
  }
  function brandId(row) {
    return row.dataset.id || slug(row.querySelector(".brand-name").value);
  }

  // --- attributes -----------------------------------------------------------------------------------------
  function addAttribute(attr) {
    const row = el("li", { class: "row attribute" });
    const label = words(attr && attr.label);
    row.dataset.id = attr ? attr.id : "";
    row.append(labelled("Attribute in English", el("input", { class: "attr-en", maxlength: "200" })),
      labelled("Attribute in German", el("input", { class: "attr-de", maxlength: "200" })),
      removeButton(row, "attribute"));
    row.querySelector(".attr-en").value = label.en || label[""] || "";
    row.querySelector(".attr-de").value = label.de || "";
    $("attribute-rows").append(row);
    return row;
  }

  // --- category entry points (buying situations): a wording per language, as the category has ------------
  function languages() {  // the languages the category is worded in, as the page offers them
    return [...form.querySelectorAll('[id^="f-category-"]')].map((input) => ({
      code: input.id.slice("f-category-".length), name: input.labels[0].textContent.trim() }));
  }
  function addEntryPoint(entry) {
    const row = el("li", { class: "row entry-point" });
    const wording = words(entry && entry.wording);
    row.dataset.id = entry ? entry.id : "";
    for (const lang of languages()) {
      const input = el("input", { class: "ep-wording", "data-lang": lang.code, maxlength: "200", autocomplete: "off" });
      input.value = wording[lang.code] || (lang.code === (poll ? poll.language : "") ? wording[""] || "" : "");
      row.append(labelled("Situation in " + lang.name, input));
    }
    row.append(removeButton(row, "buying situation"));
    const say = () => {  // the remove button says which situation it removes
      const first = [...row.querySelectorAll(".ep-wording")].map((i) => i.value.trim()).find(Boolean) || "";
      row.querySelector(".remove span").textContent = " buying situation " + first;
    };
    row.addEventListener("input", say);
    say();
    $("entry-point-rows").append(row);
    return row;
  }
  function entryPointBodies(where) {
    const rows = [...$("entry-point-rows").children];
    return rows.map((row, i) => {
      const wording = {};
      const inputs = [...row.querySelectorAll(".ep-wording")];
      for (const input of inputs) {
        if (input.value.trim()) wording[input.dataset.lang] = input.value.trim();
        where[`entry_points[${i}].wording.${input.dataset.lang}`] = input.id;
      }
      const first = inputs.find((input) => input.value.trim()) || inputs[0];
      where[`entry_points[${i}]`] = where[`entry_points[${i}].id`] = first.id;
      // wording missing in a language the tracker is asked in: shown beside the empty field
      where[`entry_points[${i}].wording`] = (inputs.find((input) => !input.value.trim()) || first).id;
      return { id: row.dataset.id || slug(wording.en || Object.values(wording)[0] || ""), wording: wording };
    });
  }

  // --- objectives -----------------------------------------------------------------------------------------
  function brandOptions(select, chosen) {
    select.replaceChildren(...brandRows().map((r) => {
      const o = el("option", { value: brandId(r), text: r.querySelector(".brand-name").value.trim() });
      o.selected = brandId(r) === chosen;
      return o;
    }));
  }
  function addObjective() {
    const row = el("li", { class: "row objective" });
    const metric = el("select", { class: "obj-metric" });
    metric.append($("metric-options").content.cloneNode(true));
    const brand = el("select", { class: "obj-brand" });
    brandOptions(brand, "");
    brand.addEventListener("focus", () => brandOptions(brand, brand.value));
    const direction = el("select", { class: "obj-direction" }, [
      el("option", { value: "at_least", text: "at least" }), el("option", { value: "at_most", text: "at most" })]);
    const threshold = el("input", { class: "obj-threshold", type: "number", step: "any", inputmode: "decimal" });
    const label = el("input", { class: "obj-label", maxlength: "200" });
    row.append(labelled("Figure", metric), labelled("Brand", brand), labelled("Should be", direction),
      labelled("Limit (% or NPS points)", threshold), labelled("Name it (optional)", label),
      removeButton(row, "objective"));
    $("objective-rows").append(row);
    return row;
  }
  function showObjectives(list) {
    $("objective-list").replaceChildren(...list.map(objectiveItem));
  }
  function objectiveItem(o) {
    const li = el("li", { text: (o.label || o.metric + " " + o.brand) + " — " + o.direction.replace("_", " ") + " "
      + (o.metric === "nps" ? o.threshold : Math.round(o.threshold * 1000) / 10 + " %") + " " });
    const b = el("button", { type: "button", class: "remove", text: "Remove" });
    b.append(el("span", { class: "visually-hidden", text: " objective " + (o.label || o.metric + " " + o.brand) }));
    b.addEventListener("click", async () => {
      const r = await call("DELETE", "/studio/api/objectives/" + o.id);
      if (r.ok) { li.remove(); $("add-objective").focus(); }
    });
    li.append(b);
    return li;
  }

  // --- schedule -------------------------------------------------------------------------------------------
  function showKind() {
    const kind = $("f-kind").value;
    for (const f of form.querySelectorAll(".when")) f.hidden = !f.classList.contains(kind);
  }
  function schedule() {
    const kind = $("f-kind").value;
    if (kind === "none") return {};
    const tz = $("f-timezone").value.trim();
    const [h, m] = ($("f-time").value || "07:00").split(":").map(Number);
    if (kind === "weekly") return { kind: "cron", cron: `${m} ${h} * * ${$("f-weekday").value}`, timezone: tz };
    if (kind === "monthly") return { kind: "cron", cron: `${m} ${h} ${$("f-monthday").value || 1} * *`, timezone: tz };
    if (kind === "cron") return { kind: "cron", cron: $("f-cron").value.trim(), timezone: tz };
    if (kind === "continuous") {
      return { kind: "continuous", at: $("f-time").value || "00:00", window_days: Number($("f-window").value || 7), timezone: tz };
    }
    const anchor = ($("f-first").value || new Date().toISOString().slice(0, 10)) + "T" + ($("f-time").value || "07:00");
    return { kind: "interval", interval: "P" + ($("f-every").value || 14) + "D", anchor: anchor, timezone: tz };
  }
  function fillSchedule(s) {
    if (!s || !s.kind) { $("f-kind").value = "none"; return; }
    $("f-timezone").value = s.timezone || "UTC";
    const parts = (s.cron || "").split(/\s+/);
    if (s.kind === "cron" && parts.length === 5 && /^\d+$/.test(parts[0]) && /^\d+$/.test(parts[1])
        && parts[3] === "*" && ((parts[2] === "*" && /^[0-7]$/.test(parts[4])) || (/^\d+$/.test(parts[2]) && parts[4] === "*" && +parts[2] <= 28))) {
      $("f-time").value = parts[1].padStart(2, "0") + ":" + parts[0].padStart(2, "0");
      if (parts[2] === "*") { $("f-kind").value = "weekly"; $("f-weekday").value = String(+parts[4] % 7); }
      else { $("f-kind").value = "monthly"; $("f-monthday").value = parts[2]; }
    } else if (s.kind === "cron") {
      $("f-kind").value = "cron"; $("f-cron").value = s.cron || "";
    } else if (s.kind === "interval") {
      const days = /^P(\d+)D$/i.exec(s.interval || "");
      $("f-kind").value = days ? "interval" : "cron";
      if (days) $("f-every").value = days[1];
      $("f-first").value = (s.anchor || "").slice(0, 10);
      $("f-time").value = (s.anchor || "T07:00").slice(11, 16);
    } else {
      $("f-kind").value = "continuous";
      $("f-time").value = (s.at || "00:00").slice(0, 5);
      $("f-window").value = s.window_days || 7;
    }
  }

  // --- the body the API receives, and where each field is on the page --------------------------------------
  function collect() {
    const where = {};
    const body = { name: $("f-name").value.trim() };
    where.name = "f-name";
    const category = {};
    for (const input of form.querySelectorAll('[id^="f-category-"]')) {
      const lang = input.id.slice("f-category-".length);
      if (input.value.trim()) category[lang] = input.value.trim();
      where["category." + lang] = input.id;
    }
    body.category = category;
    where.category = "f-category";
    const brands = [...$("brand-rows").children];
    body.brands = brands.map((row, i) => {
      const name = row.querySelector(".brand-name");
      where[`brands[${i}]`] = where[`brands[${i}].name`] = where[`brands[${i}].id`] = name.id;
      where[`brands[${i}].aliases`] = row.querySelector(".brand-aliases").id;
      const aliases = row.querySelector(".brand-aliases").value.split(",").map((a) => a.trim()).filter(Boolean);
      return { id: brandId(row), name: name.value.trim(), aliases: aliases };
    });
    where.brands = "f-brands";
    const own = brands.find((r) => r.querySelector(".brand-own").checked);
    if (own) body.own_brand = brandId(own);
    where.own_brand = "f-own-brand";
    const attributes = [...form.querySelectorAll(".default-attribute:checked")].map((c) => c.value);
    [...form.querySelectorAll(".default-attribute:checked")].forEach((c, i) => { where[`attributes[${i}]`] = c.id; });
    for (const row of $("attribute-rows").children) {
      const en = row.querySelector(".attr-en").value.trim();
      const de = row.querySelector(".attr-de").value.trim();
      const label = {};
      if (en) label.en = en;
      if (de) label.de = de;
      const i = attributes.length;
      where[`attributes[${i}]`] = where[`attributes[${i}].id`] = row.querySelector(".attr-en").id;
      where[`attributes[${i}].label`] = (en || !de ? row.querySelector(".attr-en") : row.querySelector(".attr-de")).id;
      attributes.push({ id: row.dataset.id || slug(en || de), label: label });
    }
    body.attributes = attributes;
    where.attributes = "f-attributes";
    body.modules = [...form.querySelectorAll(".module:checked")].map((c) => c.value);
    where.modules = "f-modules";
    const entryPoints = entryPointBodies(where);
    body.entry_points = entryPoints.length ? entryPoints : null;  // none: the situations are not asked
    where.entry_points = "f-entry-points";
    body.population = $("f-population").value;
    where.population = "f-population";
    if ($("f-language").value) body.language = $("f-language").value;
    where.language = "f-language";
    const n = $("f-sample-size").value;
    body.sample_size = n === "" ? null : Number(n);
    where.sample_size = "f-sample-size";
    body.budget = $("f-budget").value === "" ? null : Number($("f-budget").value);
    where.budget = "f-budget";
    if ($("f-cost").value !== "") body.cost_per_complete = Number($("f-cost").value);
    where.cost_per_complete = "f-cost";
    body.schedule = schedule();
    const kind = $("f-kind").value;
    where.schedule = "f-kind";
    where["schedule.cron"] = kind === "cron" ? "f-cron" : kind === "monthly" ? "f-monthday" : "f-weekday";
    where["schedule.interval"] = "f-every";
    where["schedule.anchor"] = "f-first";
    where["schedule.at"] = "f-time";
    where["schedule.window_days"] = "f-window";
    where["schedule.timezone"] = "f-timezone";
    body.provider = $("f-provider").value;
    where.provider = "f-provider";
    if (body.sample_size === null) delete body.sample_size;
    return { body: body, where: where };
  }

  function objectiveBodies(where) {
    return [...$("objective-rows").children].map((row, i) => {
      const metric = row.querySelector(".obj-metric").value;
      const raw = row.querySelector(".obj-threshold").value;
      const value = raw === "" ? null : Number(raw);
      for (const k of ["metric", "brand", "direction", "threshold", "label"]) {
        where[`objectives[${i}].${k}`] = row.querySelector(".obj-" + k).id;
      }
      const body = { metric: metric, brand: row.querySelector(".obj-brand").value,
        direction: row.querySelector(".obj-direction").value,
        threshold: value === null ? null : (metric === "nps" ? value : value / 100) };
      const label = row.querySelector(".obj-label").value.trim();
      if (label) body.label = label;
      return body;
    });
  }

  // --- talking to the service ----------------------------------------------------------------------------
  async function call(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    return { ok: response.ok, status: response.status, json: json || {} };
  }

  // --- errors --------------------------------------------------------------------------------------------
  function clearErrors() {
    for (const p of form.querySelectorAll(".error-message")) p.remove();
    for (const f of form.querySelectorAll("[aria-invalid]")) {
      f.removeAttribute("aria-invalid");
      f.setAttribute("aria-describedby", (f.getAttribute("aria-describedby") || "").split(" ")
        .filter((d) => !d.startsWith("err-")).join(" "));
    }
    $("error-summary").hidden = true;
  }
  function locate(field, where) {
    let path = field;
    while (path) {
      if (where[path] && $(where[path])) return $(where[path]);
      const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      if (cut <= 0) break;
      path = path.slice(0, cut);
    }
    return $(where[field.split(/[.[]/)[0]]) || form;
  }
  function plainField(field) {
    return field.replace(/_/g, " ").replace(/\[(\d+)\]/g, (m, n) => " " + (Number(n) + 1)).replace(/\./g, ", ");
  }
  function seen(target) {
    return [...visited].some((id) => $(id) && (target === $(id) || target.contains($(id))));
  }
  function showErrors(all, where, focus, listed) {
    clearErrors();
    // a brand's short id is made from its name: while the name is wrong, its id's problem is the same one
    const fields = new Set(all.map((e) => e.field));
    const errors = all.filter((e) => !/^brands\[\d+\]\.id$/.test(e.field || "")
      || !fields.has(e.field.replace(/\.id$/, ".name")));
    if (!errors.length) return;
    const items = errors.map((e, i) => {
      const target = locate(e.field || "", where);
      const id = "err-" + i;
      const message = el("p", { class: "error-message", id: id, text: e.message });
      const holder = target.tagName === "FIELDSET" ? target.querySelector("legend") : target;
      if (holder === form) form.prepend(message); else holder.after(message);
      if (target !== form) {
        target.setAttribute("aria-invalid", "true");
        target.setAttribute("aria-describedby", ((target.getAttribute("aria-describedby") || "") + " " + id).trim());
      }
      if (target.tagName === "FIELDSET" && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      const link = el("a", { href: "#" + (target.id || "tracker"), text: plainField(e.field || "tracker") + ": " + e.message });
      link.addEventListener("click", (ev) => { ev.preventDefault(); target.focus(); target.scrollIntoView({ block: "center" }); });
      return el("li", {}, [link]);
    });
    const summary = $("error-summary");
    summary.querySelector("ul").replaceChildren(...items);
    summary.querySelector("h2").textContent = errors.length === 1
      ? "There is 1 problem to fix before saving" : `There are ${errors.length} problems to fix before saving`;
    summary.hidden = !listed;
    if (focus) summary.focus();
  }

  // --- the plan beside the sample size -------------------------------------------------------------------
  const money = (v, c) => (v === null || v === undefined ? "—" : v.toLocaleString("en", { maximumFractionDigits: 2, minimumFractionDigits: 2 }) + (c ? " " + c : ""));
  function showPlan(plan) {
    const box = $("plan");
    if (!plan) { box.replaceChildren(el("p", { class: "muted", text: "The plan appears once the sample size and schedule can be read." })); return; }
    const rows = [
      ["Smallest change a wave-on-wave comparison detects", "±" + (plan.mdc * 100).toFixed(1) + " points"],
      ["Price per complete", money(plan.cost_per_complete, plan.currency) + (plan.price_source === "provider" ? " (panel's quote)" : " (assumed)")],
      ["Cost per wave", money(plan.cost_per_wave, plan.currency)],
      ["Waves in the coming year", String(plan.waves_per_year)],
      ["Cost per year", money(plan.cost_per_year, plan.currency)],
    ];
    if (plan.budget !== null) rows.push(["Budget per wave", money(plan.budget, plan.currency) + (plan.within_budget ? " — fits" : " — a wave costs more")]);
    const dl = el("dl", { class: "plan-figures", "data-n": String(plan.n) });
    for (const [k, v] of rows) dl.append(el("dt", { text: k }), el("dd", { text: v }));
    const out = [el("p", { class: "plan-n", text: `With ${plan.n} completes per wave:` }), dl];
    if (plan.price_note) out.push(el("p", { class: "hint", text: plan.price_note }));
    box.replaceChildren(...out);
  }

  async function showNextDates(s) {
    const box = $("schedule-next");
    if (!s.kind) { box.replaceChildren(el("p", { class: "muted", text: "Waves are launched by hand." })); return; }
    const r = await call("POST", "/studio/api/schedule/preview", { schedule: s, count: 4 });
    if (!r.ok) { box.replaceChildren(); return; }
    const items = r.json.fire_times.map((t) => el("li", {}, [el("time", { datetime: t.at, text: t.at.slice(0, 16).replace("T", " ") })]));
    box.replaceChildren(el("p", { text: "Next waves (" + (r.json.timezone || "") + "):" }), el("ul", {}, items));
  }

  let timer = null;
  let asked = 0;
  let tried = false;  // after a first save: every problem, in the summary too, as she fixes them
  const visited = new Set();  // before: only the problems of the fields she has been in, next to them
  async function check(focus) {
    const { body, where } = collect();
    const mine = ++asked;
    const r = await call("POST", "/studio/api/polls/validate", body);
    if (mine !== asked) return null;  // a newer check is on its way
    showPlan(r.json.plan || null);
    showNextDates(body.schedule);
    const errors = r.ok ? [] : (r.json.errors || [{ field: "", message: r.json.detail || "the check failed" }]);
    if (tried || focus) showErrors(errors, where, focus, true);
    else showErrors(errors.filter((e) => seen(locate(e.field || "", where))), where, false, false);
    return errors;
  }
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(() => check(false), 350);
  }

  async function save(ev) {
    ev.preventDefault();
    tried = true;
    const status = $("save-status");
    const { body, where } = collect();
    const objectives = objectiveBodies(where);
    status.textContent = "Saving…";
    // a change sends only what she changed: the audit log names it, and nothing else is rewritten
    const changes = Object.fromEntries(Object.entries(body)
      .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(initial[k])));
    const r = !pollId ? await call("POST", "/studio/api/polls", body)
      : Object.keys(changes).length ? await call("PATCH", "/studio/api/polls/" + pollId, changes)
        : { ok: true, json: { id: Number(pollId) } };
    if (!r.ok) {
      status.textContent = "Not saved.";
      showErrors(r.json.errors || [{ field: "", message: r.json.detail || r.json.title }], where, true, true);
      return;
    }
    const id = r.json.id;
    form.dataset.poll = id;
    const created = !pollId;
    pollId = String(id);
    initial = body;
    const errors = [];
    const rows = [...$("objective-rows").children];
    for (const [i, o] of objectives.entries()) {
      const made = await call("POST", `/studio/api/polls/${id}/objectives`, o);
      if (made.ok) {  // stored: listed with the others, so saving again does not add it twice
        rows[i].remove();
        $("objective-list").append(objectiveItem(made.json));
        continue;
      }
      for (const e of made.json.errors || [{ field: "", message: made.json.detail }]) {
        errors.push({ field: `objectives[${i}]` + (e.field ? "." + e.field : ""), message: e.message });
      }
    }
    if (errors.length) {
      status.textContent = "The tracker is saved; some objectives are not.";
      showErrors(errors, where, true, true);
      if (created) history.replaceState(null, "", `/studio/trackers/${id}/edit`);
      return;
    }
    window.location.assign("/studio?saved=" + id);
  }

  // --- fill in, then listen ------------------------------------------------------------------------------
  const poll = data.poll;
  if (poll) {
    $("f-name").value = poll.name;
    const wording = Object.keys(poll.category_wording || {}).length ? poll.category_wording : { [poll.language]: poll.category };
    for (const [lang, t] of Object.entries(wording)) if ($("f-category-" + lang)) $("f-category-" + lang).value = t;
    for (const b of poll.brands) addBrand(b, b.id === poll.own_brand);
    const attrs = poll.attributes || [...form.querySelectorAll(".default-attribute")].map((c) => c.value);
    for (const a of attrs) {
      if (typeof a === "string") $("f-attr-" + a).checked = true; else addAttribute(a);
    }
    const modules = poll.modules || [...form.querySelectorAll(".module")].map((c) => c.value);
    for (const m of modules) if ($("f-module-" + m)) $("f-module-" + m).checked = true;
    for (const e of poll.entry_points || []) addEntryPoint(e);
    $("f-population").value = poll.population;
    $("f-language").value = poll.language;
    $("f-sample-size").value = poll.sample_size;
    $("f-budget").value = poll.budget === null ? "" : poll.budget;
    $("f-cost").value = poll.cost_per_complete;
    fillSchedule(poll.schedule);
    $("f-provider").value = poll.provider;
    showObjectives(data.objectives);
  } else {
    addBrand(null, true);
    addBrand(null, false);
    for (const c of form.querySelectorAll(".default-attribute, .module")) c.checked = true;
    $("f-sample-size").value = 1000;
  }
  showKind();
  let initial = poll ? collect().body : {};
  $("add-brand").addEventListener("click", () => { addBrand(null, false).querySelector("input").focus(); });
  $("add-attribute").addEventListener("click", () => { addAttribute(null).querySelector("input").focus(); });
  $("add-entry-point").addEventListener("click", () => { addEntryPoint(null).querySelector("input").focus(); });
  $("add-objective").addEventListener("click", () => { addObjective().querySelector("select").focus(); });
  $("f-kind").addEventListener("change", showKind);
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusout", (ev) => { if (ev.target.id) visited.add(ev.target.id); });
  form.addEventListener("submit", save);
  check(false);
})();
