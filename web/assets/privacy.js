// SPDX-License-Identifier: ISC
// The privacy page: the audit chain's verdict, what left the home per recipient, recipients, entries.
"use strict";

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

function when(ns) {
  return ns ? new Date(ns / 1e6).toLocaleString() : "-";
}

async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

async function show() {
  const v = await get("/api/audit/verify");
  document.getElementById("verify").textContent = v.ok
    ? `Intact: ${v.entries} entries. Head #${v.head_seq} ${v.head_hash} (note it down to detect a cut-off tail later).`
    : `BROKEN at entry ${v.first_bad_seq}: ${v.reason}`;
  const s = await get("/api/audit/summary");
  const sb = document.querySelector("#summary tbody");
  for (const r of s.recipients) {
    const row = sb.insertRow();
    [r.recipient, r.bytes, r.transfers, r.attempts, when(r.last_ns), r.sensors.join(", "),
     r.granularities.join(", ")].forEach((t) => cell(row, t));
  }
  const rec = await get("/api/recipients");
  const div = document.getElementById("recipients");
  for (const r of rec.recipients) {
    const p = document.createElement("p");
    const rules = r.rules.map((x) => `${x.series} (${x.granularity}, every ${x.every_s} s, for "${x.purpose}")`);
    p.textContent = `${r.name} at ${r.endpoint}${r.revoked ? " (revoked)" : ""}: ${rules.join("; ") || "nothing"}`;
    div.appendChild(p);
  }
  const a = await get(`/api/audit?from=${Math.max(1, v.head_seq - 199)}&limit=200`);
  const ab = document.querySelector("#audit tbody");
  for (const e of a.entries.reverse()) {
    const row = ab.insertRow();
    [e.seq, when(e.time_ns), e.kind, e.recipient, e.policy_version, e.sensors, e.granularity, e.bytes, e.status,
     e.result].forEach((t) => cell(row, t));
  }
}

show().catch((err) => {
  document.getElementById("verify").textContent = "Could not load: " + err.message;
});
