/*
 * Hotspot layer (the cockpit): the heat of cases per grid cell (stats.hotspots) as
 * squares whose colour and strength grow with the cell's count, and the recurrence points
 * (3+ cases of one category at one place within 30 days) as red rings labelled with the
 * category and the count. Replaced whole by each setHotspots (null or {} clears it); the
 * wall sends it again every few minutes, so a canvas of a few thousand discs at most.
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var commands = shared.commands;

  var data = null; // the last data sent, as sent
  var group = null; // L.layerGroup of the discs, rings and labels
  var renderer = null;

  // Under everything that moves (merchants are 605): the heat is the ground the live
  // picture is read against. Made on first use, once the map exists.
  function ensurePane() {
    if (wf.map.getPane("wfHotspots")) return;
    var pane = wf.map.createPane("wfHotspots");
    pane.style.zIndex = 602;
    pane.style.pointerEvents = "none";
    var points = wf.map.createPane("wfRecurrence");
    points.style.zIndex = 612;
    points.style.pointerEvents = "none";
    renderer = L.canvas({ pane: "wfHotspots", padding: 0.2 });
    var style = document.createElement("style");
    // Labels read over the dark base and over tiles alike: a dark chip, light red text.
    style.textContent =
      ".wf-recurrence-label { background: rgba(40, 6, 10, 0.88); color: #ffd0d0;" +
      " border: 1px solid #ff5a5f; border-radius: 4px; padding: 1px 6px; font-size: 13px;" +
      " font-weight: bold; box-shadow: none; white-space: nowrap; }" +
      ".wf-recurrence-label::before { display: none; }";
    document.head.appendChild(style);
  }

  // Cool to hot: amber for the few, red for the most.
  function heatColour(t) {
    if (t > 0.66) return "#ff3b30";
    if (t > 0.33) return "#ff8c1a";
    return "#ffc94d";
  }

  function clear() {
    if (group) wf.map.removeLayer(group);
    group = null;
    data = null;
  }

  function draw(args) {
    ensurePane();
    clear();
    data = args;
    group = L.layerGroup();
    var cells = args.cells || [];
    var most = 1;
    cells.forEach(function (c) { if (c.count > most) most = c.count; });
    // One square per grid cell, coloured and filled by its share of the busiest: a heat
    // grid, read at a glance from across the room.
    var h = args.half_deg;
    cells.forEach(function (c) {
      // Logarithmic: one busy street must not wash out the rest of the district.
      var t = Math.log(1 + c.count) / Math.log(1 + most);
      L.rectangle([[c.lat - h, c.lon - h], [c.lat + h, c.lon + h]], {
        renderer: renderer, stroke: false, fill: true, fillColor: heatColour(t),
        fillOpacity: 0.15 + 0.5 * t, interactive: false
      }).addTo(group);
    });
    // The biggest points only (they come most first): dozens of rings on one street read
    // as noise from across the room.
    (args.points || []).slice(0, args.max_points || 40).forEach(function (p, i) {
      var ring = L.circleMarker([p.lat, p.lon], {
        pane: "wfRecurrence", radius: 7, color: "#ff5a5f", weight: 2, opacity: 0.95,
        fill: true, fillColor: "#ff5a5f", fillOpacity: 0.3, interactive: false
      });
      // Labels on the biggest few only: a wall is read from metres away.
      if (i < (args.labels || 0)) {
        ring.bindTooltip(p.label, {
          permanent: true, interactive: false, direction: "right", offset: [12, 0],
          className: "wf-recurrence-label"
        });
      }
      ring.addTo(group);
    });
    group.addTo(wf.map);
  }

  commands.setHotspots = function (args) {
    if (args && (args.cells || args.points)) draw(args);
    else clear();
  };

  // Read-back for tests and screenshots.
  wf.hotspotState = function () {
    if (!data || !group) return null;
    var labels = [];
    group.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (tip) {
        var el = tip.getElement();
        labels.push(el ? el.textContent : null);
      }
    });
    return {
      cells: (data.cells || []).length,
      points: (data.points || []).length,
      most: (data.cells || []).reduce(function (m, c) { return Math.max(m, c.count); }, 0),
      labels: labels,
      drawn: wf.map.hasLayer(group)
    };
  };
})();
