/*
 * The officers' layer: ONE Leaflet renderer drawing every officer and vehicle from the
 * store's typed arrays (names or plates and heading arrows at street zoom), its hit test,
 * and the read-back the tests and diagnostics use (positions in the map's datum).
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page;
  var KIND_VEHICLE = shared.KIND_VEHICLE, N_KINDS = shared.N_KINDS, KIND_NAMES = shared.KIND_NAMES;
  var N_CLASSES = shared.N_CLASSES, VEHICLE_HALF = shared.VEHICLE_HALF;
  var HIT_SLOP_PX = shared.HIT_SLOP_PX, FONT = shared.FONT;
  var projectY = shared.projectY, radiusForZoom = shared.radiusForZoom;
  var latLngBox = shared.latLngBox, fitCanvasToBounds = shared.fitCanvasToBounds;
  var blend = shared.blend, unitSprite = shared.unitSprite;

  var LABEL_MIN_ZOOM = 15;
  var LABEL_MAX_VISIBLE = 400;
  var HEADING_MIN_ZOOM = 14;
  var HEADING_MAX_VISIBLE = 2000;
  var DENSE_VISIBLE = 4000;
  var MIN_DENSE_RADIUS = 3.5;

  // A Leaflet renderer (it handles panes, zoom animation and padding like L.Canvas) that
  // draws the officers from the typed arrays instead of from per-object paths.
  //
  // Drawing is pixel writes into one ImageData and a single putImageData: in software
  // rendering 20,000 drawImage calls cost ~65 ms (per-call overhead), 20,000 sprite
  // blits into a Uint32Array a few ms. Sprites are pre-rendered per (status, colour)
  // and placed at integer pixels, so a blit is a row copy with no resampling.
  var UnitCanvas = L.Renderer.extend({
    // A small margin: every extra pixel is cleared, blitted and composited per frame,
    // and a wall rarely pans (Leaflet redraws on moveend anyway).
    options: { padding: 0.05 },

    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = "wf-units";
      this._ctx = this._container.getContext("2d");
      this._px = new Float32Array(0);
      this._py = new Float32Array(0);
      this._order = new Uint32Array(0);
      this._keys = new Uint16Array(0);
      this._inView = new Uint8Array(0);
      this._img = null;
      this._rect = null; // device-pixel rect stamped by the last redraw
      this._labelled = false;
      this._overlaid = false;
      this._wedges = [];
      this._box = null;
    },

    _destroyContainer: shared.destroyCanvas,

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      var b = fitCanvasToBounds(this);
      this._box = latLngBox(this._map, b, 3 * radiusForZoom(this._map.getZoom()));
      // Resizing cleared the canvas, but not the pixel buffer: officers stamped at the
      // old view would come back with the next full put (labels, arrows) as ghosts.
      if (this._buf) this._buf.fill(0);
      this._rect = null;
      this.redraw();
    },

    viewBox: function () { return this._box; },

    redraw: function () {
      if (!this._ctx || !this._map || !this._bounds) return;
      var t0 = performance.now();
      var ctx = this._ctx, c = this._container, b = this._bounds;
      var dpr = window.devicePixelRatio || 1, W = c.width, H = c.height;
      if (W === 0 || H === 0) return;
      if (!this._img || this._img.width !== W || this._img.height !== H) {
        this._img = ctx.createImageData(W, H);
        this._buf = new Uint32Array(this._img.data.buffer);
        this._rect = null;
      }
      var buf = this._buf, prev = this._rect, row;
      if (prev) {
        for (row = prev.y0; row < prev.y1; row++) buf.fill(0, row * W + prev.x0, row * W + prev.x1);
      }

      var n = store.count;
      if (this._px.length < n) {
        this._px = new Float32Array(n); this._py = new Float32Array(n);
        this._order = new Uint32Array(n); this._keys = new Uint16Array(n);
        this._inView = new Uint8Array(n);
      }
      var map = this._map, zoom = map.getZoom();
      var scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var r = radiusForZoom(zoom), pad = 3 * r;
      var x0 = b.min.x - pad, y0 = b.min.y - pad, x1 = b.max.x + pad, y1 = b.max.y + pad;
      var nPal = Math.max(store.palette.length, 1);
      var nKeys = N_CLASSES * nPal * N_KINDS;
      var counts = new Uint32Array(nKeys + 1);
      var px = this._px, py = this._py, keys = this._keys, order = this._order;
      var inView = this._inView;
      var lat = store.lat, lon = store.lon, kind = store.kind, visible = 0;

      // Order the visible officers by (status class, colour), and within that from top
      // to bottom, with two counting sorts: higher classes are stamped last (on top),
      // each bucket uses one sprite, and consecutive stamps touch neighbouring rows of
      // the pixel buffer -- on a 2-core wall PC cache misses, not arithmetic, are what
      // the blit costs.
      var bandH = 16 / dpr, nBands = Math.ceil((b.max.y - b.min.y + 2 * pad) / bandH) + 1;
      var bandCounts = new Uint32Array(nBands + 1), tmp = this._tmp;
      if (!tmp || tmp.length < n) tmp = this._tmp = new Uint32Array(n);
      var bands = this._bands;
      if (!bands || bands.length < n) bands = this._bands = new Uint32Array(n);
      for (var i = 0; i < n; i++) {
        var la = lat[i];
        inView[i] = 0;
        if (la !== la) { keys[i] = 0xffff; continue; } // NaN: no fix yet
        var x = scale * (lon[i] / 360 + 0.5) - po.x;
        var y = projectY(la, scale) - po.y;
        if (x < x0 || x > x1 || y < y0 || y > y1) { keys[i] = 0xffff; continue; }
        px[i] = x; py[i] = y;
        inView[i] = 1;
        var key = (store.statusClass[store.status[i]] * nPal + store.colourIdx[i]) * N_KINDS + kind[i];
        keys[i] = key;
        var band = ((y - y0) / bandH) | 0;
        bands[i] = band;
        bandCounts[band + 1] += 1;
        counts[key + 1] += 1;
        visible += 1;
      }
      for (var k = 0; k < nBands; k++) bandCounts[k + 1] += bandCounts[k];
      for (i = 0; i < n; i++) {
        if (keys[i] !== 0xffff) tmp[bandCounts[bands[i]]++] = i;
      }
      for (k = 0; k < nKeys; k++) counts[k + 1] += counts[k];
      var fillPos = counts.slice(0, nKeys);
      for (var t = 0; t < visible; t++) {
        i = tmp[t];
        order[fillPos[keys[i]]++] = i;
      }

      // Declutter: past DENSE_VISIBLE officers on screen the dots shrink (to a floor that
      // still reads across the room), so a district view of 20,000 is a readable density
      // picture with SOS halos standing out, and the blit has half the pixels to write.
      if (visible > DENSE_VISIBLE) {
        r = Math.max(MIN_DENSE_RADIUS, Math.round(2 * r * Math.sqrt(DENSE_VISIBLE / visible)) / 2);
      }
      this._r = r;
      var rx0 = W, ry0 = H, rx1 = 0, ry1 = 0, j, s;
      for (k = 0; k < nKeys; k++) {
        var from = counts[k], to = counts[k + 1];
        if (from === to) continue;
        var spr = this._sprite(k, nPal, r, dpr, W), half = spr.half, size = spr.size;
        var offs = spr.offs, vals = spr.vals, nOpaque = spr.nOpaque, nAll = offs.length;
        var sdx = spr.dx, sdy = spr.dy;
        for (j = from; j < to; j++) {
          s = order[j];
          var sx = Math.round((px[s] - b.min.x) * dpr) - half;
          var sy = Math.round((py[s] - b.min.y) * dpr) - half;
          if (sx < rx0) rx0 = sx;
          if (sy < ry0) ry0 = sy;
          if (sx + size > rx1) rx1 = sx + size;
          if (sy + size > ry1) ry1 = sy + size;
          var base = sy * W + sx, q, o, dv;
          if (sx >= 0 && sy >= 0 && sx + size <= W && sy + size <= H) {
            // Wholly inside (nearly every officer): opaque pixels are plain stores, the
            // anti-aliased rim blends only where it lands on another officer.
            for (q = 0; q < nOpaque; q++) buf[base + offs[q]] = vals[q];
            for (; q < nAll; q++) {
              o = base + offs[q];
              dv = buf[o];
              buf[o] = dv === 0 ? vals[q] : blend(vals[q], dv);
            }
          } else {
            for (q = 0; q < nAll; q++) {
              var xx = sx + sdx[q], yy = sy + sdy[q];
              if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
              o = yy * W + xx;
              dv = buf[o];
              buf[o] = q < nOpaque || dv === 0 ? vals[q] : blend(vals[q], dv);
            }
          }
        }
      }
      if (rx0 < 0) rx0 = 0;
      if (ry0 < 0) ry0 = 0;
      if (rx1 > W) rx1 = W;
      if (ry1 > H) ry1 = H;
      var rect = rx1 > rx0 ? { x0: rx0, y0: ry0, x1: rx1, y1: ry1 } : null;

      var labels = zoom >= LABEL_MIN_ZOOM && visible > 0 && visible <= LABEL_MAX_VISIBLE;
      // Direction arrows only at street zoom, where an officer's way is worth reading;
      // the list is walked only then, so district views pay nothing for it.
      var wedges = this._wedges = [], heading = store.heading;
      if (zoom >= HEADING_MIN_ZOOM && visible <= HEADING_MAX_VISIBLE) {
        for (j = 0; j < visible; j++) if (heading[order[j]] >= 0) wedges.push(order[j]);
      }
      var overlay = labels || wedges.length > 0;
      if (overlay || this._overlaid) {
        // Text lies outside the stamped rect: replace the whole canvas.
        ctx.putImageData(this._img, 0, 0);
      } else {
        // Only what changed: the union of the last and the new stamped rects.
        var u = prev && rect ? {
          x0: Math.min(prev.x0, rect.x0), y0: Math.min(prev.y0, rect.y0),
          x1: Math.max(prev.x1, rect.x1), y1: Math.max(prev.y1, rect.y1)
        } : (prev || rect);
        if (u) ctx.putImageData(this._img, 0, 0, u.x0, u.y0, u.x1 - u.x0, u.y1 - u.y0);
      }
      this._rect = rect;
      this._labelled = labels;
      if (!labels) this._labels = [];
      this._overlaid = overlay;
      if (wedges.length) this._drawWedges(ctx, wedges, r, b, dpr);
      if (labels) {
        ctx.setTransform(dpr, 0, 0, dpr, -b.min.x * dpr, -b.min.y * dpr);
        ctx.font = "bold 15px " + FONT;
        ctx.textBaseline = "middle";
        ctx.lineJoin = "round";
        ctx.lineWidth = 4;
        ctx.strokeStyle = "rgba(5,10,16,0.92)";
        ctx.fillStyle = "#f2f8ff";
        var texts = this._labels = [];
        for (j = 0; j < visible; j++) {
          s = order[j];
          // Past an eastward arrow's tip, not over it.
          // A vehicle's arrow may start at a corner, up to sqrt(2) radii out.
          var hdg = heading[s], rl = kind[s] === KIND_VEHICLE ? r * VEHICLE_HALF * 1.42 : r;
          var lx = px[s] + (hdg >= 40 && hdg <= 140 ? rl + 16 : r * Math.max(1, VEHICLE_HALF) + 5);
          // A vehicle is known on the floor by its plate.
          var label = kind[s] === KIND_VEHICLE && store.plates[s] ? store.plates[s] : store.names[s];
          ctx.strokeText(label, lx, py[s]);
          ctx.fillText(label, lx, py[s]);
          texts.push(label);
        }
        ctx.setTransform(1, 0, 0, 1, 0, 0);
      }
      this._lastVisible = visible;
      store.redraws += 1;
      store.lastDrawMs = performance.now() - t0;
    },

    metaChanged: function () { this._spriteKey = null; }, // colours may move between slots

    // A small arrowhead just outside each moving officer's dot, pointing where it goes:
    // one path, one fill and one stroke for all of them.
    _drawWedges: function (ctx, slots, r, b, dpr) {
      ctx.setTransform(dpr, 0, 0, dpr, -b.min.x * dpr, -b.min.y * dpr);
      ctx.beginPath();
      var px = this._px, py = this._py;
      for (var j = 0; j < slots.length; j++) {
        var s = slots[j], a = store.heading[s] * Math.PI / 180;
        var dx = Math.sin(a), dy = -Math.cos(a); // screen y grows southwards
        // A square's edge is further out than a dot's towards its corners: start the
        // arrow at the edge it points through.
        var rk = store.kind[s] === KIND_VEHICLE ?
          r * VEHICLE_HALF / Math.max(Math.abs(dx), Math.abs(dy)) : r;
        var bx = px[s] + dx * (rk + 2), by = py[s] + dy * (rk + 2);
        ctx.moveTo(px[s] + dx * (rk + 14), py[s] + dy * (rk + 14));
        ctx.lineTo(bx - dy * 7, by + dx * 7);
        ctx.lineTo(bx + dy * 7, by - dx * 7);
        ctx.closePath();
      }
      ctx.lineJoin = "round";
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(4,8,12,0.95)";
      ctx.stroke();
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    },

    // Sprites are made by sprites.js; kept until the radius, pixel ratio, palette or
    // canvas width changes (a sprite's offsets are in rows of width W).
    _sprite: function (key, nPal, r, dpr, W) {
      var cacheKey = r + "/" + dpr + "/" + nPal + "/" + W;
      if (this._spriteKey !== cacheKey) {
        this._sprites = {};
        this._spriteKey = cacheKey;
      }
      var found = this._sprites[key];
      if (found) return found;
      found = unitSprite(key, nPal, r, dpr, W);
      this._sprites[key] = found;
      return found;
    },

    // The officer under a container point, or -1. Projects afresh rather than reusing
    // the last paint, so it is right even when the page has not painted yet.
    hitTest: function (containerPoint) {
      var map = this._map, lp = map.containerPointToLayerPoint(containerPoint);
      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var r = (this._r || radiusForZoom(zoom)) * 1.2 + HIT_SLOP_PX;
      var best = -1, bestD = r * r, bestClass = -1;
      for (var i = 0; i < store.count; i++) {
        var la = store.lat[i];
        if (la !== la) continue;
        var dx = scale * (store.lon[i] / 360 + 0.5) - po.x - lp.x;
        var dy = projectY(la, scale) - po.y - lp.y;
        var d = dx * dx + dy * dy;
        var cls = store.statusClass[store.status[i]];
        // What is drawn on top wins a tie, as the operator sees it.
        if (d < bestD || (d === bestD && cls > bestClass)) { best = i; bestD = d; bestClass = cls; }
      }
      return best;
    }
  });

  shared.UnitCanvas = UnitCanvas;

  wf.unitState = function () {
    var units = {};
    for (var i = 0; i < store.count; i++) {
      units[store.ids[i]] = {
        lat: store.lat[i], lon: store.lon[i],
        status: store.statuses[store.status[i]], colour: store.palette[store.colourIdx[i]],
        name: store.names[i], kind: KIND_NAMES[store.kind[i]], plate: store.plates[i]
      };
    }
    return {
      count: store.count, batches: store.batches, lastSeq: store.lastSeq,
      lastApplyMs: store.lastApplyMs, visible: page.layer ? page.layer._lastVisible : 0, units: units,
      labelled: !!(page.layer && page.layer._labelled),
      labels: page.layer && page.layer._labels ? page.layer._labels.slice() : []
    };
  };

  wf.unitContainerPoint = function (id) {
    var slot = store.slotOf.get(id);
    if (slot === undefined || store.lat[slot] !== store.lat[slot]) return null;
    var p = wf.map.latLngToContainerPoint([store.lat[slot], store.lon[slot]]);
    return { x: p.x, y: p.y };
  };

  // Diagnostics: time the officers' redraw (min of reps), for tuning on the target PC.
  wf.benchRedraw = function (reps) {
    var out = [];
    for (var i = 0; i < reps; i++) { page.layer.redraw(); out.push(store.lastDrawMs); }
    return { min: Math.min.apply(null, out), all: out };
  };

  // Direction arrows of the last officers' paint: id -> heading (degrees from north).
  wf.headingState = function () {
    var drawn = {}, slots = page.layer && page.layer._wedges ? page.layer._wedges : [];
    for (var j = 0; j < slots.length; j++) drawn[store.ids[slots[j]]] = store.heading[slots[j]];
    var headings = {};
    for (var s = 0; s < store.count; s++) if (store.heading[s] >= 0) headings[store.ids[s]] = store.heading[s];
    return { zoom: wf.map.getZoom(), drawn: drawn, headings: headings };
  };

  wf.hitTest = function (x, y) {
    var slot = page.layer.hitTest(L.point(x, y));
    return slot >= 0 ? store.ids[slot] : null;
  };
})();
