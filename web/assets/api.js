// SPDX-License-Identifier: ISC
// The dashboard's access to the hub's JSON API: session cookie, CSRF header on changes, login redirect.
"use strict";

const hearthApi = (() => {
  let csrf = sessionStorage.getItem("hearthCsrf");

  async function state() {
    const r = await fetch("/api/auth/state", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw new Error(`auth state: HTTP ${r.status}`);
    const s = await r.json();
    if (s.csrf) {
      csrf = s.csrf;
      sessionStorage.setItem("hearthCsrf", csrf);
    }
    return s;
  }

  function toLogin() {
    sessionStorage.removeItem("hearthCsrf");
    location.assign("/login.html#" + encodeURIComponent(location.hash || "#/"));
  }

  // One request; JSON in and out unless a content type is given. Throws an Error with .status and
  // .body (the parsed error answer) for anything but 2xx; 401 sends the owner to the login page.
  async function request(method, path, body, contentType) {
    const headers = {};
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = contentType || "application/json";
      payload = contentType ? body : JSON.stringify(body);
    }
    if (method !== "GET" && method !== "HEAD") {
      if (!csrf) await state();
      if (csrf) headers["X-CSRF-Token"] = csrf;
    }
    const r = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
    if (r.status === 401) {
      toLogin();
      throw Object.assign(new Error("not logged in"), { status: 401 });
    }
    const type = r.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await r.json().catch(() => null) : await r.text();
    if (!r.ok) {
      const msg = (data && data.error) || `HTTP ${r.status}`;
      throw Object.assign(new Error(msg), { status: r.status, body: data });
    }
    return data;
  }

  return {
    state,
    toLogin,
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    put: (path, body) => request("PUT", path, body),
    putText: (path, text) => request("PUT", path, text, "text/plain; charset=utf-8"),
    del: (path) => request("DELETE", path),
  };
})();
