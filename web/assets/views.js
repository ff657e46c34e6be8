// SPDX-License-Identifier: ISC
// The dashboard's views: sensors, one sensor's chart, sharing policy, what left, audit log, settings.
"use strict";

const hearthViews = (() => {
  // Builds an element; children are nodes or text (never parsed as HTML, so data cannot inject markup).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
    return el;
  }

  const fmtTime = (ns) => (ns ? new Date(ns / 1e6).toLocaleString() : "never");
  const fmtSeconds = (s) => (s ? new Date(s * 1000).toLocaleString() : "never");
  function fmtValue(v, unit) {
    if (v === null || v === undefined) return "\u2014";
    const n = Number(v);
    const text = Number.isFinite(n) ? String(Math.round(n * 100) / 100) : String(v);
    return unit ? `${text} ${unit}` : text;
  }
  function ago(ns) {
    if (!ns) return "never";
    const s = Math.max(0, Date.now() / 1000 - ns / 1e9);
    if (s < 90) return `${Math.round(s)} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    if (s < 129600) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} days ago`;
  }

  // GET /api/sensors lists the registry's sensors, each with its stored series:
  // {sensors: [{id, name, kind, location, units: {q: unit}, series: [{quantity, unit, count, last_ns,
  // last_value}]}]}; this sorts them by name and calls the series "quantities".
  function sensorsOf(answer) {
    return (answer.sensors || []).map((e) => ({
      id: e.id,
      name: e.name || "",
      kind: e.kind || "",
      location: e.location || "",
      quantities: (e.series || []).map((q) => ({ ...q, unit: q.unit || (e.units || {})[q.quantity] || "" })),
    })).sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  }

  async function overview(view) {
    const sensors = sensorsOf(await hearthApi.get("/api/sensors"));
    view.append(h("h2", {}, "Sensors"));
    if (!sensors.length) {
      view.append(h("p", { class: "empty" }, "No sensor has reported yet. Point a sensor at hearth.local " +
        "(MQTT topic hearth/<sensor>/<quantity>, CoAP or HTTP POST /api/readings)."));
      return;
    }
    const grid = h("div", { class: "cards" });
    for (const s of sensors) {
      const rows = s.quantities.map((q) =>
        h("li", {}, h("span", { class: "q" }, q.quantity), " ",
          h("strong", { class: "value" }, fmtValue(q.last_value, q.unit)),
          h("small", {}, " ", ago(q.last_ns))));
      grid.append(h("a", { class: "card", href: `#/sensor/${encodeURIComponent(s.id)}`, "data-sensor": s.id },
        h("h3", {}, s.name || s.id),
        h("p", { class: "meta" }, [s.kind, s.location].filter(Boolean).join(" \u00b7 ") || s.id),
        h("ul", {}, rows)));
    }
    view.append(grid);
  }

  const RANGES = { "6 hours": 6 * 3600, "24 hours": 86400, "7 days": 7 * 86400, "30 days": 30 * 86400,
    "1 year": 365 * 86400 };
  const TIERS = { raw: "raw readings", "1m": "1-minute means", "1h": "hourly means", "1d": "daily means" };

  async function sensor(view, id) {
    const sensors = sensorsOf(await hearthApi.get("/api/sensors"));
    const s = sensors.find((x) => x.id === id);
    if (!s) {
      view.append(h("h2", {}, id), h("p", { class: "empty" }, "This sensor is not known to the hub."));
      return;
    }
    const quantity = h("select", { "aria-label": "quantity" },
      s.quantities.map((q) => h("option", { value: q.quantity }, q.quantity)));
    const tier = h("select", { "aria-label": "tier" },
      Object.entries(TIERS).map(([k, v]) => h("option", { value: k }, v)));
    const range = h("select", { "aria-label": "range" },
      Object.entries(RANGES).map(([k, v]) => h("option", { value: v, selected: k === "24 hours" }, k)));
    const chart = h("div", { class: "chart", id: "chart" });
    const info = h("p", { class: "meta" });
    let detach = () => {};

    async function redraw() {
      const to = Math.ceil(Date.now() / 1000), from = to - Number(range.value);
      const q = s.quantities.find((x) => x.quantity === quantity.value) || {};
      const url = `/api/sensors/${encodeURIComponent(id)}/readings?quantity=${encodeURIComponent(quantity.value)}` +
        `&tier=${tier.value}&from=${from}&to=${to}`;
      try {
        const answer = await hearthApi.get(url);
        const series = (answer.series || []).find((x) => x.quantity === quantity.value) || { points: [] };
        detach();
        detach = hearthCharts.draw(chart, series.points, quantity.value, q.unit);
        info.textContent = `${series.points.length} points, ${TIERS[tier.value]}` +
          (answer.truncated ? " (truncated: choose a coarser tier)" : "");
        chart.dataset.points = String(series.points.length);
      } catch (e) {
        chart.textContent = `Could not load readings: ${e.message}`;
      }
    }
    for (const sel of [quantity, tier, range]) sel.addEventListener("change", redraw);

    view.append(h("h2", {}, s.name || s.id),
      h("div", { class: "controls" }, quantity, tier, range), chart, info, sensorForm(s));
    await redraw();
  }

  // Name, kind and location of a sensor; the hub answers a new sensor's token once, shown here once.
  function sensorForm(s) {
    const name = h("input", { name: "name", value: s.name, maxlength: 64 });
    const kind = h("input", { name: "kind", value: s.kind, maxlength: 32, placeholder: "plant-pot, fridge..." });
    const location = h("input", { name: "location", value: s.location, maxlength: 64 });
    const out = h("p", { class: "meta", role: "status" });
    const form = h("form", { class: "stack" },
      h("h3", {}, "About this sensor"),
      h("label", {}, "Name ", name), h("label", {}, "Kind ", kind), h("label", {}, "Location ", location),
      h("button", { type: "submit" }, "Save"), out);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const answer = await hearthApi.put(`/api/sensors/${encodeURIComponent(s.id)}`,
          { name: name.value, kind: kind.value, location: location.value });
        out.textContent = answer && answer.token ? `Saved. Sensor token (shown once): ${answer.token}` : "Saved.";
      } catch (e) {
        out.textContent = `Not saved: ${e.message}`;
      }
    });
    return form;
  }

  async function sharing(view) {
    const text = await hearthApi.get("/api/policy").catch((e) => (e.status === 404 ? "" : Promise.reject(e)));
    const editor = h("textarea", { id: "policy", rows: 16, spellcheck: "false", "aria-label": "sharing policy" });
    editor.value = typeof text === "string" ? text : (text && text.text) || "";
    const errors = h("ul", { class: "errors", id: "policy-errors" });
    const out = h("p", { class: "meta", role: "status", id: "policy-status" });
    const save = h("button", { type: "button", id: "policy-save" }, "Save policy");
    save.addEventListener("click", async () => {
      errors.textContent = "";
      out.textContent = "Saving\u2026";
      try {
        const answer = await hearthApi.putText("/api/policy", editor.value);
        out.textContent = `Saved${answer && answer.version ? ` as version ${answer.version}` : ""}. ` +
          "Nothing leaves the home unless an allow line above says so.";
      } catch (e) {
        out.textContent = "Not saved.";
        for (const err of (e.body && e.body.errors) || [{ message: e.message }])
          errors.append(h("li", {}, err.line ? `line ${err.line}` : "", err.field ? ` (${err.field})` : "",
            err.line || err.field ? ": " : "", err.message || ""));
      }
    });
    view.append(h("h2", {}, "Sharing"),
      h("p", {}, "By default nothing leaves your home. Each allow line below names a recipient, the data, " +
        "how fine-grained it is, how often it goes and why. Removing a line revokes it at once."),
      editor, h("div", { class: "controls" }, save), out, errors, await recipients());
  }

  // The recipients as the hub enforces them, each with a button that revokes it at once.
  async function recipients() {
    const answer = await hearthApi.get("/api/recipients");
    const list = h("ul", { class: "recipients", id: "recipients" });
    for (const r of answer.recipients || []) {
      const rules = (r.rules || []).map((x) =>
        `${x.series} (${x.granularity}${x.every_s ? `, every ${x.every_s} s` : ""}, for "${x.purpose}")`);
      const revoke = h("button", { type: "button", disabled: r.revoked }, r.revoked ? "Revoked" : "Revoke");
      revoke.addEventListener("click", async () => {
        revoke.disabled = true;
        try {
          await hearthApi.post(`/api/recipients/revoke?recipient=${encodeURIComponent(r.name)}`, {});
          revoke.textContent = "Revoked";
        } catch (e) {
          revoke.disabled = false;
          revoke.textContent = `Revoke (failed: ${e.message})`;
        }
      });
      list.append(h("li", {}, h("strong", {}, r.name), ` at ${r.endpoint}: ${rules.join("; ") || "nothing"} `,
        revoke));
    }
    return h("section", {}, h("h3", {}, `Recipients (policy version ${answer.version || 0})`),
      (answer.recipients || []).length ? list : h("p", { class: "empty" }, "No recipients."));
  }

  async function left(view) {
    const answer = await hearthApi.get("/api/audit/summary");
    view.append(h("h2", {}, "What left my home"));
    const rows = answer.recipients || [];
    if (!rows.length) {
      view.append(h("p", { class: "empty" }, "Nothing has left your home."));
      return;
    }
    view.append(h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Recipient", "Transfers", "Bytes", "Data", "Last"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        h("td", {}, r.recipient || r.name), h("td", {}, String(r.transfers ?? "")), h("td", {}, String(r.bytes ?? "")),
        h("td", {}, [].concat(r.sensors || []).join(", ") +
          (r.granularities ? ` (${[].concat(r.granularities).join(", ")})` : "")),
        h("td", {}, fmtTime(r.last_ns)))))));
  }

  async function audit(view) {
    // The newest 200 entries, newest first.
    const first = await hearthApi.get("/api/audit?limit=1");
    const answer = await hearthApi.get(`/api/audit?from=${Math.max(1, (first.total || 0) - 199)}&limit=200`);
    (answer.entries || []).reverse();
    const verdict = h("p", { class: "meta", role: "status", id: "audit-verdict" });
    const verify = h("button", { type: "button", id: "audit-verify" }, "Verify the chain");
    verify.addEventListener("click", async () => {
      try {
        const v = await hearthApi.get("/api/audit/verify");
        verdict.textContent = v.ok ? `Chain intact: ${v.entries} entries verified. Head #${v.head_seq} ` +
          `${v.head_hash} (note it down: a cut-off tail shows against it later).` :
          `Chain BROKEN at entry ${v.first_bad_seq}: ${v.reason}`;
        verdict.className = v.ok ? "meta ok" : "meta bad";
      } catch (e) {
        verdict.textContent = `Could not verify: ${e.message}`;
      }
    });
    const entries = answer.entries || [];
    const details = (e) => [e.sensors && [].concat(e.sensors).join(", "), e.granularity,
      e.bytes !== undefined ? `${e.bytes} bytes` : "", e.result,
      e.policy_version !== undefined ? `policy v${e.policy_version}` : ""].filter(Boolean).join(" \u00b7 ");
    const row = (e) => h("tr", {},
      h("td", {}, String(e.seq)), h("td", {}, fmtTime(e.time_ns || (e.time ? e.time * 1e9 : 0))),
      h("td", {}, e.kind || ""), h("td", {}, e.recipient || ""), h("td", {}, details(e)));
    const table = entries.length ? h("table", { class: "table", id: "audit-table" },
      h("thead", {}, h("tr", {}, ["#", "When", "What", "Recipient", "Details"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.map(row))) : h("p", { class: "empty" }, "No entries yet.");
    view.append(h("h2", {}, "Audit log"),
      h("p", {}, "Every policy change and every transfer out of the home, each entry chained to the one " +
        "before it by its SHA-256, so a changed or removed entry shows."),
      h("div", { class: "controls" }, verify), verdict, table);
  }

  async function settings(view) {
    const health = await hearthApi.get("/api/health");
    const oldPw = h("input", { type: "password", name: "old", autocomplete: "current-password" });
    const newPw = h("input", { type: "password", name: "new", autocomplete: "new-password", minlength: 10 });
    const out = h("p", { class: "meta", role: "status" });
    const form = h("form", { class: "stack" }, h("h3", {}, "Change password"),
      h("label", {}, "Current password ", oldPw), h("label", {}, "New password ", newPw),
      h("button", { type: "submit" }, "Change"), out);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await hearthApi.post("/api/auth/password", { password: oldPw.value, new_password: newPw.value });
        out.textContent = "Password changed.";
      } catch (e) {
        out.textContent = `Not changed: ${e.message}`;
      }
    });
    const logout = h("button", { type: "button" }, "Log out");
    logout.addEventListener("click", async () => {
      await hearthApi.post("/api/auth/logout", {}).catch(() => {});
      hearthApi.toLogin();
    });
    view.append(h("h2", {}, "Settings"),
      h("dl", { class: "facts" },
        h("dt", {}, "Hub"), h("dd", {}, `Hearth ${health.version} on ${health.board}`),
        h("dt", {}, "Up"), h("dd", {}, `${health.uptime_s} s`),
        h("dt", {}, "Status"), h("dd", { id: "status" }, health.status)),
      form,
      h("section", {}, h("h3", {}, "Diagnostics"),
        h("p", {}, "The hub keeps a ring of recent events across its layers (network frames, TCP, TLS, " +
          "HTTP, MQTT, disk commits, sharing decisions). Open the file in ui.perfetto.dev or chrome://tracing."),
        h("a", { href: "/api/trace", download: "hearth-trace.json", id: "trace-download" }, "Download the trace")),
      h("div", { class: "controls" }, logout));
  }

  return { h, overview, sensor, sharing, left, audit, settings, fmtSeconds };
})();
