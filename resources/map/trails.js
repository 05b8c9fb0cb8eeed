/*
 * Officers' trails: the last minutes of each officer's way, kept in flat typed arrays and
 * drawn on their own canvas at most once a second (never in the officers' frame budget).
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page;
  var nowSeconds = shared.nowSeconds, projectY = shared.projectY;
  var latLngBox = shared.latLngBox, fitCanvasToBounds = shared.fitCanvasToBounds;

  // Past this many officers on screen a trail is a smear, not information (and costs a
  // line per sample): trails then wait for the operator to zoom in.
  var TRAIL_MAX_VISIBLE = 3000;
  var TRAIL_BANDS = 4;
  var TRAIL_REDRAW_MS = 1000;

  // ---- trails: a ring buffer of samples per officer, in flat typed arrays ----------------
  //
  // Memory is count * points * 12 bytes whatever the run length (20,000 officers x 60
  // points = 14 MB); samples are taken at most every minutes*60/points seconds, so the
  // ring spans the last `minutes`.

  var trails = {
    enabled: false, minutes: 10, points: 60, interval: 10,
    cap: 0, lat: null, lon: null, t: null, head: null, len: null, lastT: null,
    olat: 0, olon: 0, drawn: 0, skipped: false, dirty: false
  };

  function trailsAllocate(n) {
    var k = trails.points;
    if (n <= trails.cap && trails.lat) return;
    var cap = Math.max(n, 16);
    function g(Type, old, per, fill) {
      var out = new Type(cap * per);
      if (fill !== undefined) out.fill(fill);
      if (old) out.set(old.subarray(0, Math.min(old.length, out.length)));
      return out;
    }
    trails.lat = g(Float32Array, trails.lat, k);
    trails.lon = g(Float32Array, trails.lon, k);
    trails.t = g(Float32Array, trails.t, k);
    trails.head = g(Uint16Array, trails.head, 1);
    trails.len = g(Uint16Array, trails.len, 1);
    trails.lastT = g(Float64Array, trails.lastT, 1, -1e9);
    trails.cap = cap;
  }

  function trailsReset() {
    trails.lat = trails.lon = trails.t = trails.head = trails.len = trails.lastT = null;
    trails.cap = 0;
  }

  function trailSample(s, now) {
    if (now - trails.lastT[s] < trails.interval) return;
    var k = trails.points, h = trails.head[s], base = s * k;
    // Offsets from a fixed origin keep float32 at millimetres (see units.py).
    trails.lat[base + h] = store.lat[s] - trails.olat;
    trails.lon[base + h] = store.lon[s] - trails.olon;
    trails.t[base + h] = now;
    trails.head[s] = (h + 1) % k;
    if (trails.len[s] < k) trails.len[s] += 1;
    trails.lastT[s] = now;
    trails.dirty = true;
  }

  // ---- trails renderer ----------------------------------------------------------------------

  var TrailCanvas = L.Renderer.extend({
    options: { padding: 0.1 },

    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = "wf-trails";
      this._ctx = this._container.getContext("2d");
      this._timer = null;
      this._lastDraw = 0;
    },

    _destroyContainer: shared.destroyCanvas,

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      fitCanvasToBounds(this);
      this.redraw();
    },

    // Trails move slowly (one sample per officer every few seconds): redraw at most once
    // a second, never in the officers' frame budget.
    requestRedraw: function (now) {
      if (this._timer !== null) return;
      var wait = now ? 0 : Math.max(0, TRAIL_REDRAW_MS - (performance.now() - this._lastDraw));
      var self = this;
      this._timer = setTimeout(function () {
        self._timer = null;
        requestAnimationFrame(function () { self.redraw(); });
      }, wait);
    },

    redraw: function () {
      if (!this._ctx || !this._map || !this._bounds) return;
      this._lastDraw = performance.now();
      trails.dirty = false;
      var ctx = this._ctx, c = this._container, b = this._bounds;
      var dpr = window.devicePixelRatio || 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      trails.drawn = 0;
      trails.skipped = false;
      if (!trails.enabled || !trails.lat) return;
      var map = this._map, zoom = map.getZoom();
      var scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var box = latLngBox(map, b, 0);
      var n = Math.min(store.count, trails.cap), k = trails.points;
      var visible = [];
      for (var s = 0; s < n; s++) {
        var la = store.lat[s], lo = store.lon[s];
        if (trails.len[s] === 0 || la !== la) continue;
        if (la >= box.s && la <= box.n && lo >= box.w && lo <= box.e) visible.push(s);
      }
      if (visible.length > TRAIL_MAX_VISIBLE) { trails.skipped = true; return; }
      ctx.setTransform(dpr, 0, 0, dpr, -b.min.x * dpr, -b.min.y * dpr);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.lineWidth = zoom >= 15 ? 3.5 : 2.5;
      var now = nowSeconds(), span = trails.minutes * 60;
      var olat = trails.olat, olon = trails.olon;
      // One path per (colour, age band): the fade costs TRAIL_BANDS strokes per colour,
      // not one per segment.
      var paths = {};
      for (var v = 0; v < visible.length; v++) {
        s = visible[v];
        var len = trails.len[s], head = trails.head[s], base = s * k;
        var px = scale * (store.lon[s] / 360 + 0.5) - po.x;
        var py = projectY(store.lat[s], scale) - po.y;
        // Newest sample to oldest; the first segment joins the officer's live position.
        for (var q = 1; q <= len; q++) {
          var at = base + (head - q + k) % k;
          var age = now - trails.t[at];
          if (age > span) break;
          var x = scale * ((trails.lon[at] + olon) / 360 + 0.5) - po.x;
          var y = projectY(trails.lat[at] + olat, scale) - po.y;
          var band = Math.min(TRAIL_BANDS - 1, (age / span * TRAIL_BANDS) | 0);
          var key = store.colourIdx[s] * TRAIL_BANDS + band;
          var p = paths[key] || (paths[key] = []);
          p.push(px, py, x, y);
          px = x; py = y;
          trails.drawn += 1;
        }
      }
      for (var name in paths) {
        var keyN = +name, seg = paths[name];
        ctx.strokeStyle = store.palette[(keyN / TRAIL_BANDS) | 0] || "#9aa7b4";
        ctx.globalAlpha = 0.7 * (1 - (keyN % TRAIL_BANDS) / TRAIL_BANDS);
        ctx.beginPath();
        for (var m = 0; m < seg.length; m += 4) {
          ctx.moveTo(seg[m], seg[m + 1]);
          ctx.lineTo(seg[m + 2], seg[m + 3]);
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
  });

  function setTrails(args) {
    var enabled = !!args.enabled;
    if (args.minutes) trails.minutes = args.minutes;
    if (args.points) trails.points = args.points;
    trails.interval = trails.minutes * 60 / trails.points;
    if (enabled && (!trails.enabled || args.points)) { trailsReset(); trailsAllocate(store.count); }
    if (!enabled) trailsReset(); // give the memory back
    trails.enabled = enabled;
    var now = nowSeconds();
    if (enabled) {
      // Start each trail at the current position, so it grows from where officers are.
      for (var s = 0; s < store.count; s++) if (store.lat[s] === store.lat[s]) trailSample(s, now);
    }
    if (page.trailLayer) page.trailLayer.requestRedraw(true);
  }

  shared.commands.setTrails = setTrails;
  shared.trails = trails;
  shared.trailsAllocate = trailsAllocate;
  shared.trailsReset = trailsReset;
  shared.trailSample = trailSample;
  shared.TrailCanvas = TrailCanvas;

  wf.trailState = function () {
    var per = {};
    if (trails.lat) {
      for (var s = 0; s < store.count; s++) if (trails.len[s]) per[store.ids[s]] = trails.len[s];
    }
    return {
      enabled: trails.enabled, minutes: trails.minutes, points: trails.points,
      interval: trails.interval, drawn: trails.drawn, skipped: trails.skipped,
      capacity: trails.cap, bytes: trails.lat ? trails.cap * trails.points * 12 : 0, lengths: per
    };
  };

  // The samples of one officer's trail, oldest first, as [lat, lon] (map datum).
  wf.trailOf = function (id) {
    var s = store.slotOf.get(id);
    if (s === undefined || !trails.lat) return [];
    var k = trails.points, len = trails.len[s], head = trails.head[s], out = [];
    for (var q = len; q >= 1; q--) {
      var at = s * k + (head - q + k) % k;
      out.push([trails.lat[at] + trails.olat, trails.lon[at] + trails.olon]);
    }
    return out;
  };
})();
