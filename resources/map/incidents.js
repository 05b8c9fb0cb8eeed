/*
 * Incidents: a DOM marker each (a few hundred at most; CSS pulse), their 1-3-15 clock
 * turning red on the page without a round trip, and grid clusters below street zoom.
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page, commands = shared.commands;

  // ---- incidents: DOM markers, a few hundred at most -------------------------------------

  var incidents = new Map(); // id -> {info, marker, state}

  function incidentState(info) {
    if (info.clock === "running" && info.deadline !== null && Date.now() / 1000 > info.deadline) {
      // The hub will say so in its next update; the wall must not wait for it to turn red.
      return "missed";
    }
    return info.clock;
  }

  function incidentHtml(info, state) {
    var p = Math.max(1, Math.min(5, info.priority | 0));
    var div = document.createElement("div");
    div.className = "wf-inc wf-inc-" + state + " wf-inc-p" + p;
    var glyph = document.createElement("span");
    glyph.className = "wf-inc-glyph";
    glyph.textContent = info.glyph || "!";
    div.appendChild(glyph);
    return div;
  }

  function incidentIcon(info, state) {
    // Priority 1 is the most urgent: bigger, so it reads first from across the room.
    var size = [0, 40, 34, 30, 28, 26][Math.max(1, Math.min(5, info.priority | 0))];
    return L.divIcon({
      html: incidentHtml(info, state), className: "wf-inc-icon",
      iconSize: [size, size], iconAnchor: [size / 2, size / 2]
    });
  }

  function upsertIncident(info) {
    var entry = incidents.get(info.id), state = incidentState(info);
    if (!entry) {
      var marker = L.marker([info.lat, info.lon], {
        icon: incidentIcon(info, state), pane: "wfIncidents", keyboard: false,
        // Urgent and missed incidents on top of quiet ones.
        zIndexOffset: (state === "missed" ? 2000 : state === "running" ? 1000 : 0) + (6 - info.priority) * 100
      });
      marker.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        wf.lastClick = info.id;
        if (page.bridge) page.bridge.entityClicked("incident", info.id);
      });
      entry = { info: info, marker: marker, state: state };
      incidents.set(info.id, entry);
      // At cluster zoom the next recluster decides: no flash of a marker it would hide.
      if (wf.map.getZoom() >= CLUSTER_BELOW_ZOOM || keepsOwnMarker(entry)) marker.addTo(wf.map);
      return;
    }
    var iconChanged = state !== entry.state || info.priority !== entry.info.priority ||
      info.glyph !== entry.info.glyph;
    entry.info = info;
    entry.marker.setLatLng([info.lat, info.lon]);
    if (iconChanged) {
      entry.state = state;
      entry.marker.setIcon(incidentIcon(info, state));
      entry.marker.setZIndexOffset(
        (state === "missed" ? 2000 : state === "running" ? 1000 : 0) + (6 - info.priority) * 100);
    }
  }

  function removeIncident(id) {
    var entry = incidents.get(id);
    if (!entry) return;
    wf.map.removeLayer(entry.marker);
    incidents.delete(id);
  }

  // After any change to the set of incidents: clusters, then rings on incidents.
  function incidentsChanged() {
    recluster();
    shared.refreshAlerts();
  }

  // Once a second: a running clock past its deadline turns red without a round trip.
  function tickIncidents() {
    var changed = false;
    incidents.forEach(function (entry) {
      if (entry.state === "running" && incidentState(entry.info) !== "running") {
        upsertIncident(entry.info);
        changed = true;
      }
    });
    if (changed) recluster(); // a missed incident leaves its cluster
  }

  // ---- incident clusters: below CLUSTER_BELOW_ZOOM, a grid of CLUSTER_CELL_PX cells ------
  //
  // Hundreds of overlapping squares at district zoom read as one orange smear. A cell with
  // CLUSTER_MIN or more quiet incidents becomes one badge with their count, coloured by
  // the worst clock among them; missed and priority-1 incidents always keep their own
  // marker (they are what the operator must see). The grid is in absolute pixels at the
  // zoom, so panning does not regroup anything: only zooming and incident changes do.

  var CLUSTER_BELOW_ZOOM = 13;
  var CLUSTER_CELL_PX = 64;
  var CLUSTER_MIN = 3;
  var CLUSTER_RANK = { running: 3, none: 2, met: 1 };
  var clusters = []; // {marker, ids, state, lat, lon}

  function keepsOwnMarker(entry) {
    return entry.state === "missed" || entry.info.priority === 1;
  }

  function clusterIcon(count, state) {
    var size = Math.round(34 + Math.min(22, 6 * Math.log(count)));
    var div = document.createElement("div");
    div.className = "wf-cluster wf-cluster-" + state;
    div.textContent = String(count);
    return L.divIcon({
      html: div, className: "wf-inc-icon", iconSize: [size, size], iconAnchor: [size / 2, size / 2]
    });
  }

  function recluster() {
    var map = wf.map;
    if (!map) return;
    var zoom = map.getZoom();
    clusters.forEach(function (c) { map.removeLayer(c.marker); });
    clusters = [];
    var cells = new Map();
    if (zoom < CLUSTER_BELOW_ZOOM) {
      incidents.forEach(function (entry) {
        if (keepsOwnMarker(entry)) return;
        var p = map.project([entry.info.lat, entry.info.lon], zoom);
        var key = Math.floor(p.x / CLUSTER_CELL_PX) + ":" + Math.floor(p.y / CLUSTER_CELL_PX);
        var members = cells.get(key);
        if (!members) cells.set(key, (members = []));
        members.push(entry);
      });
    }
    var hidden = new Set();
    cells.forEach(function (members) {
      if (members.length < CLUSTER_MIN) return;
      var lat = 0, lon = 0, state = "met", ids = [];
      members.forEach(function (entry) {
        lat += entry.info.lat; lon += entry.info.lon;
        if ((CLUSTER_RANK[entry.state] || 0) > CLUSTER_RANK[state]) state = entry.state;
        ids.push(entry.info.id);
        hidden.add(entry.info.id);
      });
      lat /= members.length; lon /= members.length;
      var marker = L.marker([lat, lon], {
        icon: clusterIcon(members.length, state), pane: "wfIncidents", keyboard: false,
        zIndexOffset: CLUSTER_RANK[state] * 100
      });
      var cluster = { marker: marker, ids: ids, state: state, lat: lat, lon: lon };
      marker.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        zoomIntoCluster(cluster);
      });
      marker.addTo(map);
      clusters.push(cluster);
    });
    incidents.forEach(function (entry, id) {
      var on = map.hasLayer(entry.marker);
      if (hidden.has(id)) { if (on) map.removeLayer(entry.marker); }
      else if (!on) entry.marker.addTo(map);
    });
  }

  // Close enough that the cluster falls apart, never closer than its spread needs.
  function zoomIntoCluster(cluster) {
    var b = L.latLngBounds([]);
    cluster.ids.forEach(function (id) {
      var entry = incidents.get(id);
      if (entry) b.extend([entry.info.lat, entry.info.lon]);
    });
    if (!b.isValid()) return;
    shared.cancelPendingFit();
    shared.setFollowing(null);
    var zoom = Math.min(16, Math.max(CLUSTER_BELOW_ZOOM, wf.map.getBoundsZoom(b.pad(0.3))));
    wf.map.setView(b.getCenter(), zoom, { animate: false });
  }

  commands.setIncidents = function (args) {
    var keep = new Set();
    args.items.forEach(function (info) { keep.add(info.id); upsertIncident(info); });
    Array.from(incidents.keys()).forEach(function (id) { if (!keep.has(id)) removeIncident(id); });
    incidentsChanged();
  };
  commands.updateIncident = function (args) { upsertIncident(args.item); incidentsChanged(); };
  commands.removeIncident = function (args) { removeIncident(args.id); incidentsChanged(); };
  commands.fitIncident = function (args) {
    var entry = incidents.get(args.id);
    if (!entry) return;
    shared.cancelPendingFit();
    shared.setFollowing(null);
    // The incident and the officers sent to it: the operator wants to see who is how far.
    var b = L.latLngBounds([[entry.info.lat, entry.info.lon]]);
    (entry.info.units || []).forEach(function (uid) {
      var s = store.slotOf.get(uid);
      if (s !== undefined && store.lat[s] === store.lat[s]) b.extend([store.lat[s], store.lon[s]]);
    });
    wf.map.fitBounds(b.pad(0.2), { maxZoom: args.maxZoom || 16, padding: [60, 60], animate: false });
  };

  shared.incidents = incidents;
  shared.recluster = recluster;
  shared.tickIncidents = tickIncidents;

  wf.incidentState = function () {
    var out = {};
    incidents.forEach(function (entry, id) {
      var el = entry.marker.getElement();
      out[id] = {
        lat: entry.info.lat, lon: entry.info.lon, state: entry.state,
        priority: entry.info.priority, category: entry.info.category, glyph: entry.info.glyph,
        className: el ? el.firstChild.className : null,
        shown: wf.map.hasLayer(entry.marker),
        animation: el ? getComputedStyle(el.firstChild, "::after").animationName : null
      };
    });
    return out;
  };

  wf.incidentContainerPoint = function (id) {
    var entry = incidents.get(id);
    if (!entry) return null;
    var p = wf.map.latLngToContainerPoint(entry.marker.getLatLng());
    return { x: p.x, y: p.y };
  };

  wf.clusterState = function () {
    return {
      zoom: wf.map.getZoom(),
      clusters: clusters.map(function (c) {
        var p = wf.map.latLngToContainerPoint([c.lat, c.lon]);
        return { count: c.ids.length, state: c.state, ids: c.ids.slice().sort(), x: p.x, y: p.y };
      })
    };
  };
})();
