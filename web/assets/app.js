// SPDX-License-Identifier: ISC
// Dashboard start-up and hash routing: checks the session, then shows the view the address names.
"use strict";

(() => {
  const view = document.getElementById("view");
  const notice = document.getElementById("notice");

  function route() {
    const parts = (location.hash.replace(/^#\/?/, "") || "").split("/").map(decodeURIComponent);
    switch (parts[0]) {
      case "": return ["overview", (v) => hearthViews.overview(v)];
      case "sensor": return ["overview", (v) => hearthViews.sensor(v, parts[1] || "")];
      case "sharing": return ["sharing", (v) => hearthViews.sharing(v)];
      case "left": return ["left", (v) => hearthViews.left(v)];
      case "audit": return ["audit", (v) => hearthViews.audit(v)];
      case "settings": return ["settings", (v) => hearthViews.settings(v)];
      default: return ["", (v) => v.append(hearthViews.h("p", { class: "empty" }, "No such page."))];
    }
  }

  let generation = 0;
  async function show() {
    const mine = ++generation;
    const [name, render] = route();
    for (const a of document.querySelectorAll("#nav a"))
      a.classList.toggle("active", a.dataset.view === name);
    const fresh = document.createElement("div");
    fresh.id = "view";
    notice.hidden = true;
    try {
      await render(fresh);
    } catch (e) {
      if (e.status === 401) return; // on the way to the login page
      notice.textContent = `Something went wrong: ${e.message}`;
      notice.hidden = false;
    }
    if (mine === generation) document.getElementById("view").replaceWith(fresh);
  }

  async function start() {
    try {
      const s = await hearthApi.state();
      if (!s.logged_in) {
        hearthApi.toLogin();
        return;
      }
    } catch (e) {
      notice.textContent = `The hub is unreachable (${e.message}).`;
      notice.hidden = false;
      return;
    }
    window.addEventListener("hashchange", show);
    await show();
  }

  start();
})();
