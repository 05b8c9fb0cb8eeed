/*
 * Dispatch plan (the desk): the selected case ringed, and a line from each recommended
 * officer to it labelled with distance and ETA. A handful of Leaflet vector layers at a
 * time, replaced whole by each setDispatch (the desk sends the plan again when the
 * selection, the recommendations or the officers' positions change; null clears it).
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var commands = shared.commands, store = shared.store;

  var plan = null; // the last plan sent, as sent
  var group = null; // L.layerGroup of the ring, the lines and their labels
  var zoomHooked = false;
  var paths = []; // [{unit, path, end, from}]: re-trimmed after a zoom, moved with officers
  var followTimer = null, seenSeq = -1;
  // How often the lines' officer ends catch up with the officers' dots (the desk sends a
  // new plan only when the recommendations change, not on every positions frame).
  var FOLLOW_MS = 500;
  var RING_PX = 26;

  // A line stops at the ring: drawn to the case's centre it covered the case's own glyph.
  function trimmedEnd(from, at) {
    var map = wf.map, a = map.latLngToLayerPoint(at), f = map.latLngToLayerPoint(from);
    var dx = f.x - a.x, dy = f.y - a.y, len = Math.sqrt(dx * dx + dy * dy);
    if (len <= RING_PX) return at;
    return map.layerPointToLatLng(L.point(a.x + dx * RING_PX / len, a.y + dy * RING_PX / len));
  }

  function retrim() {
    if (!plan) return;
    var at = L.latLng(plan.lat, plan.lon);
    paths.forEach(function (p) { p.path.setLatLngs([p.from, trimmedEnd(p.from, at)]); });
  }

  // Each line's officer end where the map now draws that officer.
  function followOfficers() {
    if (!plan || store.lastSeq === seenSeq) return;
    seenSeq = store.lastSeq;
    var at = L.latLng(plan.lat, plan.lon), moved = false;
    paths.forEach(function (p) {
      var s = store.slotOf.get(p.unit);
      if (s === undefined || store.lat[s] !== store.lat[s]) return;
      if (store.lat[s] === p.from.lat && store.lon[s] === p.from.lng) return;
      p.from = L.latLng(store.lat[s], store.lon[s]);
      p.path.setLatLngs([p.from, trimmedEnd(p.from, at)]);
      p.end.setLatLng(p.from);
      moved = true;
    });
    if (moved) declutter();
  }

  function onZoom() {
    retrim();
    declutter();
  }

  // Made on first use: panes need the map, which exists once init has run (commands only
  // arrive after the page said it is ready). Above the incident markers (630): on a busy
  // map the lines ran under dozens of them and could not be followed; this plan is what
  // the operator is deciding on. Under the tooltips (650) that carry the labels.
  function ensurePane() {
    if (wf.map.getPane("wfDispatch")) return;
    var pane = wf.map.createPane("wfDispatch");
    pane.style.zIndex = 635;
    pane.style.pointerEvents = "none";
    var style = document.createElement("style");
    // The layer's own look, here rather than in the shared stylesheet: labels must read
    // over both the dark base and tiles, so a dark chip with light text.
    style.textContent =
      ".wf-dispatch-label { background: rgba(8, 14, 22, 0.88); color: #e8f4ff;" +
      " border: 1px solid #4fc3f7; border-radius: 4px; padding: 1px 6px; font-size: 13px;" +
      " box-shadow: none; white-space: nowrap; }" +
      ".wf-dispatch-label.wf-dispatch-chosen { border-color: #ffd54f; color: #ffe082;" +
      " font-weight: bold; }" +
      ".wf-dispatch-label::before { display: none; }";
    document.head.appendChild(style);
  }

  // Officers a few metres apart would put their labels on top of each other: each label,
  // in recommendation order, moves down (or up) a row at a time until it is clear of the
  // ones placed before it. Redone after each zoom (the gaps between officers change).
  function declutter() {
    if (!group) return;
    var placed = [], labels = [];
    group.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      var el = tip && tip.getElement();
      if (el) labels.push(el);
    });
    // Drawn farthest first; placed nearest first, so the officers most likely sent keep
    // their labels beside them.
    labels.reverse().forEach(function (el) {
      el.style.marginTop = "0px";
      var box = el.getBoundingClientRect(), step = box.height + 2, shift = 0;
      for (var tries = 0; tries < 12; tries++) {
        // Alternate below and above: 0, +1, -1, +2, -2 ... rows.
        var row = tries === 0 ? 0 : (tries % 2 ? 1 : -1) * Math.ceil(tries / 2);
        shift = row * step;
        var top = box.top + shift, bottom = box.bottom + shift;
        var clash = placed.some(function (p) {
          return box.left < p.right && p.left < box.right && top < p.bottom && p.top < bottom;
        });
        if (!clash) break;
      }
      el.style.marginTop = shift + "px";
      placed.push({ left: box.left, right: box.right, top: box.top + shift, bottom: box.bottom + shift });
    });
  }

  function clear() {
    if (group) wf.map.removeLayer(group);
    group = null;
    paths = [];
    plan = null;
  }

  function draw(args) {
    ensurePane();
    clear();
    plan = args;
    group = L.layerGroup();
    var at = [args.lat, args.lon];
    // A double ring (dark under light) that reads on any base and is unlike the
    // incidents' own pulsing halo.
    L.circleMarker(at, {
      pane: "wfDispatch", radius: RING_PX, color: "#05090e", weight: 7, opacity: 0.8,
      fill: false, interactive: false
    }).addTo(group);
    L.circleMarker(at, {
      pane: "wfDispatch", radius: RING_PX, color: "#4fc3f7", weight: 3, opacity: 1,
      fill: false, interactive: false
    }).addTo(group);
    // The farthest first, so the chosen (usually nearest) line is drawn on top.
    args.lines.slice().reverse().forEach(function (line) {
      var from = L.latLng(line.lat, line.lon);
      var path = L.polyline([from, trimmedEnd(from, L.latLng(at))], {
        pane: "wfDispatch", color: line.chosen ? "#ffd54f" : "#4fc3f7",
        weight: line.chosen ? 4 : 3, opacity: 0.95, dashArray: line.chosen ? null : "10 6",
        interactive: false
      });
      path.addTo(group);
      // The label at the officer's end, on the side away from the case: the lines meet at
      // the case, so labels at their middles would pile up there.
      var end = L.circleMarker([line.lat, line.lon], {
        pane: "wfDispatch", radius: 0, stroke: false, fill: false, interactive: false
      });
      end.bindTooltip(line.label, {
        permanent: true, interactive: false,
        direction: line.lon < args.lon ? "left" : "right",
        offset: [line.lon < args.lon ? -10 : 10, 0],
        className: "wf-dispatch-label" + (line.chosen ? " wf-dispatch-chosen" : "")
      });
      end.addTo(group);
      paths.push({ unit: line.unit, path: path, end: end, from: from });
    });
    group.addTo(wf.map);
    seenSeq = -1;
    followOfficers();
    declutter();
    if (followTimer === null) followTimer = setInterval(followOfficers, FOLLOW_MS);
    if (!zoomHooked) {
      wf.map.on("zoomend", onZoom);
      zoomHooked = true;
    }
  }

  commands.setDispatch = function (args) {
    if (args && args.incident) draw(args);
    else clear();
  };

  // Read-back for tests and screenshots: the plan on the page and what is drawn of it.
  wf.dispatchState = function () {
    if (!plan || !group) return null;
    var labels = [];
    group.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (tip) {
        var el = tip.getElement();
        var r = el ? el.getBoundingClientRect() : null;
        labels.push({
          text: el ? el.textContent : null,
          shown: !!(el && el.isConnected && el.offsetWidth > 0),
          box: r ? [r.left, r.top, r.right, r.bottom] : null
        });
      }
    });
    return {
      incident: plan.incident,
      lat: plan.lat,
      lon: plan.lon,
      // Where each line starts now (its officer on the map), in recommendation order.
      lines: paths.slice().reverse().map(function (p, i) {
        var line = plan.lines[i];
        return { unit: p.unit, from: [p.from.lat, p.from.lng], label: line.label, chosen: line.chosen };
      }),
      labels: labels.reverse(),
      drawn: wf.map.hasLayer(group)
    };
  };
})();
