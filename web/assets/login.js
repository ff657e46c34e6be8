// SPDX-License-Identifier: ISC
// The login page: asks /api/auth/state, then shows pairing (setup code + new password) or the sign-in form.
"use strict";

const $ = (id) => document.getElementById(id);

function show(id) {
  $("checking").hidden = true;
  $("setup").hidden = id !== "setup";
  $("login").hidden = id !== "login";
  const first = id === "setup" ? $("setup-code") : $("login-password");
  first.focus();
}

// Posts a JSON object of strings; resolves to {status, body} whatever the status.
async function post(path, fields) {
  const r = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(fields),
  });
  let body = {};
  try { body = await r.json(); } catch (e) { /* an empty or non-JSON answer */ }
  return { status: r.status, body };
}

function explain(res) {
  if (res.status === 429) return `Too many attempts. Try again in ${res.body.retry_after || "a few"} s.`;
  if (res.status === 401) {
    const wait = res.body.retry_after;
    return wait ? `Wrong password. Wait ${wait} s before the next try.` : "Wrong password.";
  }
  if (res.status === 403) return res.body.error === "wrong setup code" ? "Wrong setup code." : "Refused.";
  return res.body.error ? `${res.body.error[0].toUpperCase()}${res.body.error.slice(1)}.` : `Error ${res.status}.`;
}

function busy(form, on) {
  for (const el of form.elements) el.disabled = on;
}

$("setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target, msg = $("setup-message");
  if ($("setup-password").value !== $("setup-confirm").value) {
    msg.textContent = "The two passwords differ.";
    return;
  }
  busy(form, true);
  msg.textContent = "Setting the password\u2026";
  try {
    const res = await post("/api/auth/setup", { code: $("setup-code").value, password: $("setup-password").value });
    if (res.status === 200) { location.replace("/"); return; }
    if (res.status === 409) { show("login"); return; }
    msg.textContent = explain(res);
  } catch (e) {
    msg.textContent = "The hub did not answer.";
  }
  busy(form, false);
});

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target, msg = $("login-message");
  busy(form, true);
  msg.textContent = "Checking\u2026";
  try {
    const res = await post("/api/auth/login", { password: $("login-password").value });
    if (res.status === 200) { location.replace("/"); return; }
    msg.textContent = explain(res);
    $("login-password").value = "";
  } catch (e) {
    msg.textContent = "The hub did not answer.";
  }
  busy(form, false);
  $("login-password").focus();
});

fetch("/api/auth/state", { credentials: "same-origin" })
  .then((r) => r.json())
  .then((s) => {
    if (s.logged_in) location.replace("/");
    else show(s.paired ? "login" : "setup");
  })
  .catch(() => { $("checking").textContent = "The hub did not answer. Reload to try again."; });
