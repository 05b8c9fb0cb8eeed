/*
 * The officers drawn the plain Leaflet way, for bench/map_latency.py to measure the
 * canvas layer (units.js) against: config unitRenderer "markers".
 */
(function () {
  "use strict";

  var shared = window.watchfloor.shared;
  var store = shared.store;

  // The baseline the canvas layer is measured against (bench/map_latency.py): one Leaflet
  // circleMarker per officer on Leaflet's own canvas renderer, moved with setLatLng.
  // Not for production walls: Leaflet redraws every marker on every change.
  function MarkerBaseline(map, pane) {
    var renderer = L.canvas({ pane: pane, padding: 0.1 });
    var markers = [];
    var origRedraw = renderer._redraw;
    renderer._redraw = function () {
      var t0 = performance.now();
      origRedraw.call(this);
      store.lastDrawMs = performance.now() - t0;
      store.redraws += 1;
    };
    this._inView = null;
    this.viewBox = function () { return null; };
    this.redraw = function () {}; // Leaflet schedules its own canvas redraw
    this.metaChanged = function (meta) {
      if (meta.reset) { markers.forEach(function (m) { if (m) map.removeLayer(m); }); markers = []; }
    };
    this.applied = function (idx, count) {
      for (var k = 0; k < idx.length; k++) {
        var s = idx[k];
        if (s >= count) continue;
        var ll = [store.lat[s], store.lon[s]];
        // An officer announced (or changing status) before any fix has no place yet.
        if (ll[0] !== ll[0] || ll[1] !== ll[1]) continue;
        if (!markers[s]) {
          markers[s] = L.circleMarker(ll, {
            renderer: renderer, radius: 6, weight: 1.25, color: "#04080c",
            fillColor: store.palette[store.colourIdx[s]] || "#9aa7b4", fillOpacity: 1,
            interactive: false
          }).addTo(map);
        } else {
          markers[s].setLatLng(ll);
        }
      }
    };
    this.hitTest = function () { return -1; };
  }

  shared.MarkerBaseline = MarkerBaseline;
})();
