// SPDX-License-Identifier: ISC
// Hearth dashboard: shows the hub's health from /api/health.
"use strict";
fetch("/api/health", { credentials: "same-origin" })
  .then((r) => r.json())
  .then((h) => {
    document.getElementById("status").textContent =
      `${h.status} \u2014 Hearth ${h.version} on ${h.board}, up ${h.uptime_s} s`;
  })
  .catch(() => { document.getElementById("status").textContent = "unreachable"; });
