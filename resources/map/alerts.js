/*
 * Alerts: a pulsing ring on the subject (officer, incident or merchant).
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, commands = shared.commands;
  var incidents = shared.incidents, merchants = shared.merchants;

  // ---- alerts: a pulsing ring on the subject (officer, incident or merchant) ---------------
  //
  // A handful at a time, so DOM markers with a CSS pulse (compositor-only, like the
  // incidents'). Rings on officers are moved after each positions frame.

  var alerts = new Map(); // id -> {info, marker, lat, lon}
  var ALERT_SIZE = [0, 44, 52, 62];

  function subjectPosition(info) {
    var kinds = info.subjectKind === "any" ? ["unit", "incident", "merchant"] : [info.subjectKind];
    for (var k = 0; k < kinds.length; k++) {
      if (kinds[k] === "unit") {
        var s = store.slotOf.get(info.subject);
        if (s !== undefined && store.lat[s] === store.lat[s]) return [store.lat[s], store.lon[s]];
      } else if (kinds[k] === "incident") {
        var entry = incidents.get(info.subject);
        if (entry) return [entry.info.lat, entry.info.lon];
      } else if (kinds[k] === "merchant") {
        var m = merchants.slotOf.get(info.subject);
        if (m !== undefined) return [merchants.lat[m], merchants.lon[m]];
      }
    }
    return null;
  }

  function alertIcon(info) {
    var sev = Math.max(1, Math.min(3, info.severity | 0)), size = ALERT_SIZE[sev];
    var div = document.createElement("div");
    div.className = "wf-alert wf-alert-s" + sev;
    return L.divIcon({
      html: div, className: "wf-alert-icon", iconSize: [size, size], iconAnchor: [size / 2, size / 2]
    });
  }

  function placeAlert(a) {
    var pos = subjectPosition(a.info);
    if (pos === null) {
      // Subject not known (yet): no ring, tried again when officers/incidents/merchants come.
      if (a.marker && wf.map.hasLayer(a.marker)) wf.map.removeLayer(a.marker);
      a.lat = a.lon = NaN;
      return;
    }
    if (!a.marker) {
      a.marker = L.marker(pos, {
        icon: alertIcon(a.info), pane: "wfAlerts", keyboard: false, interactive: false
      });
    }
    if (!wf.map.hasLayer(a.marker)) a.marker.addTo(wf.map);
    if (pos[0] !== a.lat || pos[1] !== a.lon) {
      a.marker.setLatLng(pos);
      a.lat = pos[0]; a.lon = pos[1];
    }
  }

  function refreshAlerts() { alerts.forEach(placeAlert); }

  function upsertAlert(info) {
    var a = alerts.get(info.id);
    if (!a) {
      a = { info: info, marker: null, lat: NaN, lon: NaN };
      alerts.set(info.id, a);
    } else {
      var restyle = a.info.severity !== info.severity;
      a.info = info;
      if (restyle && a.marker) a.marker.setIcon(alertIcon(info));
    }
    placeAlert(a);
  }

  function removeAlert(id) {
    var a = alerts.get(id);
    if (!a) return;
    if (a.marker) wf.map.removeLayer(a.marker);
    alerts.delete(id);
  }

  commands.setAlerts = function (args) {
    var keep = new Set();
    args.items.forEach(function (info) { keep.add(info.id); upsertAlert(info); });
    Array.from(alerts.keys()).forEach(function (id) { if (!keep.has(id)) removeAlert(id); });
  };
  commands.updateAlert = function (args) { upsertAlert(args.item); };
  commands.removeAlert = function (args) { removeAlert(args.id); };

  shared.refreshAlerts = refreshAlerts;

  wf.alertState = function () {
    var out = {};
    alerts.forEach(function (a, id) {
      var el = a.marker && wf.map.hasLayer(a.marker) ? a.marker.getElement() : null;
      out[id] = {
        lat: a.lat === a.lat ? a.lat : null, lon: a.lon === a.lon ? a.lon : null,
        shown: !!el, severity: a.info.severity, subject: a.info.subject,
        className: el ? el.firstChild.className : null,
        animation: el ? getComputedStyle(el.firstChild, "::after").animationName : null
      };
    });
    return out;
  };
})();
