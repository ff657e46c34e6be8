// SPDX-License-Identifier: ISC
// Time-series charts with uPlot (bundled from npm): raw values, or a tier's mean with its min..max band.
"use strict";

const hearthCharts = (() => {
  // Points as the series API returns them: raw {t, v} or rollups {t, min, max, mean, count}; t in Unix s.
  function columns(points) {
    const t = [], mean = [], min = [], max = [];
    for (const p of points) {
      t.push(p.t);
      if (p.v !== undefined) {
        mean.push(p.v); min.push(null); max.push(null);
      } else {
        mean.push(p.mean); min.push(p.min); max.push(p.max);
      }
    }
    return [t, mean, min, max];
  }

  function width(el) {
    return Math.max(280, Math.floor(el.clientWidth || 320));
  }

  // Draws into el (replacing what was there); returns a function that detaches the resize handling.
  function draw(el, points, label, unit) {
    el.textContent = "";
    if (!points.length) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "No data in this range yet.";
      el.appendChild(p);
      return () => {};
    }
    const name = unit ? `${label} (${unit})` : label;
    const raw = points[0].v !== undefined; // raw readings have no min..max band
    const opts = {
      width: width(el),
      height: 260,
      scales: { x: { time: true } },
      axes: [{}, { label: name, size: 60 }],
      series: [
        {},
        { label: name, stroke: "#c2562b", width: 2, points: { show: points.length < 60 } },
        { label: "min", stroke: "rgba(194,86,43,0.35)", dash: [4, 4], show: !raw },
        { label: "max", stroke: "rgba(194,86,43,0.35)", dash: [4, 4], show: !raw },
      ],
    };
    const plot = new uPlot(opts, columns(points), el);
    const ro = new ResizeObserver(() => plot.setSize({ width: width(el), height: 260 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
  }

  return { draw };
})();
