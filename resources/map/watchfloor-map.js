/*
 * Watchfloor live map: every officer drawn by ONE canvas layer, fed over QWebChannel.
 *
 * Python sends three kinds of messages on the single exposed object ("bridge"):
 *   meta    - rarely: ids, names, teams, colours, kinds (0 officer, 1 vehicle) and plates
 *             for a range of slots (or a full reset);
 *   frame   - at most once per display frame: the slots that moved, as base64 typed arrays
 *             (Uint32 slots, Float32 lat/lon offsets from a float64 origin, Uint8 statuses,
 *             and Int16 headings when some officer in it is moving);
 *   command - view changes, incidents, trails, follow (small JSON objects).
 * Positions are stored in float64 typed arrays indexed by slot; nothing per officer is a
 * Leaflet object, so the cost of a batch is a loop over the batch, and the cost of a
 * redraw a loop over the officers plus a pixel blit of the ones on screen.
 *
 * Layers, bottom to top: base (tiles or offline outlines), merchants (own canvas,
 * decluttered by zoom), trails (own canvas), officers and vehicles (own canvas, ImageData:
 * a dot per officer, a rounded square per vehicle; heading arrows at street zoom), alert rings (DOM markers; CSS pulse), incidents (a few hundred
 * DOM markers; CSS pulse; grid clusters below street zoom).
 */
(function () {
  "use strict";

  var wf = (window.watchfloor = window.watchfloor || {});

  // Status name -> draw class. Later classes are drawn on top: an officer in trouble must
  // never be hidden under an idle colleague.
  var STATUS_CLASS = {
    off_duty: 0, offline: 0,
    unknown: 1, on_duty: 1, available: 1, patrol: 1, patrolling: 1,
    busy: 2, dispatched: 2, en_route: 2, on_scene: 2, handling: 2,
    sos: 3, emergency: 3, alarm: 3
  };
  var CLASS_STYLE = [
    { scale: 0.8, fill: "#7a8794", alpha: 0.75, ring: "rgba(4,8,12,0.9)", ringWidth: 1 },
    { scale: 1.0, fill: null, alpha: 1.0, ring: "rgba(4,8,12,0.95)", ringWidth: 1.25 },
    { scale: 1.0, fill: null, alpha: 1.0, ring: "#ffffff", ringWidth: 2 },
    { scale: 1.2, fill: null, alpha: 1.0, ring: "#ff3b30", ringWidth: 2.5, halo: "rgba(255,59,48,0.35)" }
  ];
  var N_CLASSES = CLASS_STYLE.length;
  // Unit kinds (meta.kinds): officers are dots, enforcement vehicles rounded squares. A
  // sprite key is ((status class * palette) + colour) * N_KINDS + kind, so the draw
  // order (status class on top) is the same for both.
  var KIND_OFFICER = 0, KIND_VEHICLE = 1, N_KINDS = 2;
  var KIND_NAMES = ["officer", "vehicle"];
  // A vehicle's square is a little larger than an officer's dot (it reads as a car);
  // its half side relative to the dot's radius, and its corner radius.
  var VEHICLE_HALF = 1.0, VEHICLE_CORNER = 0.38;
  var MAX_LAT = 85.0511287798;
  var HIT_SLOP_PX = 4;
  var LABEL_MIN_ZOOM = 15;
  var LABEL_MAX_VISIBLE = 400;
  var HEADING_MIN_ZOOM = 14;
  var HEADING_MAX_VISIBLE = 2000;
  // Past this many officers on screen a trail is a smear, not information (and costs a
  // line per sample): trails then wait for the operator to zoom in.
  var TRAIL_MAX_VISIBLE = 3000;
  var TRAIL_BANDS = 4;
  var DENSE_VISIBLE = 4000;
  var MIN_DENSE_RADIUS = 3.5;
  var TRAIL_REDRAW_MS = 1000;
  var FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

  var store = {
    count: 0,
    ids: [], names: [], teams: [], plates: [],
    kind: new Uint8Array(0), // per slot: KIND_OFFICER or KIND_VEHICLE
    palette: [], paletteIndex: new Map(),
    colourIdx: new Uint16Array(0),
    lat: new Float64Array(0), lon: new Float64Array(0),
    status: new Uint8Array(0),
    heading: new Int16Array(0), // degrees clockwise from north while moving, -1 none
    statuses: ["unknown"], statusClass: new Uint8Array([1]),
    slotOf: new Map(),
    batches: 0, lastSeq: 0, lastApplyMs: 0, lastDrawMs: 0, paintedSeq: 0,
    redraws: 0, skippedRedraws: 0
  };
  var bridge = null;
  var layer = null;       // the officers' renderer (UnitCanvas, or the baseline adapter)
  var trailLayer = null;
  var drawQueued = false;
  var needUnitDraw = false;
  var following = null;   // officer id the view keeps centred, or null

  function decodeBase64(text) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    var bin = atob(text), n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function grow(Type, old, n, fill) {
    var out = new Type(n);
    if (fill !== undefined) out.fill(fill);
    out.set(old.subarray(0, Math.min(old.length, n)));
    return out;
  }

  function paletteSlot(colour) {
    var k = store.paletteIndex.get(colour);
    if (k === undefined) {
      k = store.palette.length;
      store.palette.push(colour);
      store.paletteIndex.set(colour, k);
    }
    return k;
  }

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

  function nowSeconds() { return performance.now() / 1000; }

  // ---- meta and frames --------------------------------------------------------------------

  function applyMeta(meta) {
    var n = meta.count;
    if (meta.reset) {
      store.ids = []; store.names = []; store.teams = []; store.plates = [];
      store.palette = []; store.paletteIndex = new Map(); store.slotOf = new Map();
      store.colourIdx = new Uint16Array(n);
      store.kind = new Uint8Array(n);
      store.lat = new Float64Array(n).fill(NaN);
      store.lon = new Float64Array(n).fill(NaN);
      store.status = new Uint8Array(n);
      store.heading = new Int16Array(n).fill(-1);
      if (trails.enabled) { trailsReset(); trailsAllocate(n); }
    } else if (n > store.count) {
      store.colourIdx = grow(Uint16Array, store.colourIdx, n);
      store.kind = grow(Uint8Array, store.kind, n);
      store.lat = grow(Float64Array, store.lat, n, NaN);
      store.lon = grow(Float64Array, store.lon, n, NaN);
      store.status = grow(Uint8Array, store.status, n);
      store.heading = grow(Int16Array, store.heading, n, -1);
      if (trails.enabled) trailsAllocate(n);
    }
    for (var k = 0; k < meta.ids.length; k++) {
      var slot = meta.start + k;
      store.ids[slot] = meta.ids[k];
      store.names[slot] = meta.names[k];
      store.teams[slot] = meta.teams[k];
      store.colourIdx[slot] = paletteSlot(meta.colours[k]);
      // Older senders have no kinds: every unit is an officer.
      store.kind[slot] = meta.kinds && meta.kinds[k] === KIND_VEHICLE ? KIND_VEHICLE : KIND_OFFICER;
      store.plates[slot] = (meta.plates && meta.plates[k]) || "";
      store.slotOf.set(meta.ids[k], slot);
    }
    store.count = n;
    if (alerts.size) refreshAlerts(); // a ring's officer may have left the roster
    if (layer && layer.metaChanged) layer.metaChanged(meta);
    needUnitDraw = true;
    if (trailLayer) trailLayer.requestRedraw(true);
    scheduleDraw();
  }

  function applyStatuses(names) {
    store.statuses = names;
    store.statusClass = new Uint8Array(names.length);
    for (var i = 0; i < names.length; i++) {
      var c = STATUS_CLASS[names[i]];
      store.statusClass[i] = c === undefined ? 1 : c;
    }
    needUnitDraw = true;
  }

  function applyFrame(frame) {
    var t0 = performance.now();
    if (frame.statuses) applyStatuses(frame.statuses);
    var idx = new Uint32Array(decodeBase64(frame.idx).buffer);
    var pos = new Float32Array(decodeBase64(frame.pos).buffer);
    var st = decodeBase64(frame.st);
    // Absent when no officer in the frame is moving: one Int16 per officer saved.
    var hd = frame.hd ? new Int16Array(decodeBase64(frame.hd).buffer) : null;
    var heading = store.heading;
    var olat = frame.o[0], olon = frame.o[1];
    var lat = store.lat, lon = store.lon, status = store.status, count = store.count;
    var view = layer ? layer.viewBox() : null, visibleChange = needUnitDraw || !view;
    var inView = layer ? layer._inView : null;
    var sampling = trails.enabled && trails.lat !== null, now = nowSeconds();
    for (var k = 0; k < idx.length; k++) {
      var s = idx[k];
      if (s >= count) continue; // a frame can never outrun its meta; stay safe anyway
      var la = olat + pos[2 * k], lo = olon + pos[2 * k + 1];
      lat[s] = la;
      lon[s] = lo;
      status[s] = st[k];
      heading[s] = hd ? hd[k] : -1;
      // A redraw is needed only if the officer was on screen, or now is: a wall zoomed on
      // one street does not repaint for 19,000 officers moving elsewhere.
      if (!visibleChange && ((inView && inView[s]) ||
          (la >= view.s && la <= view.n && lo >= view.w && lo <= view.e))) {
        visibleChange = true;
      }
      if (sampling) trailSample(s, now);
    }
    if (layer && layer.applied) layer.applied(idx, count);
    store.batches += 1;
    store.lastSeq = frame.seq;
    store.lastApplyMs = performance.now() - t0;
    if (visibleChange) needUnitDraw = true; else store.skippedRedraws += 1;
    if (following !== null) followStep();
    if (alerts.size) refreshAlerts();
    if (trails.dirty && trailLayer) trailLayer.requestRedraw(false);
    scheduleDraw();
  }

  // All drawing happens in one requestAnimationFrame callback however many batches came
  // in since the last frame: the display cannot show more than one anyway.
  function scheduleDraw() {
    if (drawQueued || !layer) return;
    drawQueued = true;
    requestAnimationFrame(function () {
      drawQueued = false;
      if (needUnitDraw) {
        needUnitDraw = false;
        layer.redraw();
      }
      if (bridge && store.paintedSeq !== store.lastSeq) {
        store.paintedSeq = store.lastSeq;
        bridge.framePainted(store.lastSeq, store.lastApplyMs, store.lastDrawMs);
      }
    });
  }

  function projectY(lat, scale) {
    var la = Math.max(Math.min(lat, MAX_LAT), -MAX_LAT);
    var s = Math.sin(la * Math.PI / 180);
    return scale * (0.5 - 0.25 * Math.log((1 + s) / (1 - s)) / Math.PI);
  }

  function radiusForZoom(zoom) {
    // Wall operators read the map from metres away: never smaller than ~11 px across.
    return Math.max(5.5, Math.min(9, 4 + (zoom - 9) * 1.1));
  }

  // Lat/lon box of a renderer's padded pixel bounds, widened by a marker radius.
  function latLngBox(map, b, marginPx) {
    var nw = map.layerPointToLatLng(L.point(b.min.x - marginPx, b.min.y - marginPx));
    var se = map.layerPointToLatLng(L.point(b.max.x + marginPx, b.max.y + marginPx));
    return { n: nw.lat, w: nw.lng, s: se.lat, e: se.lng };
  }

  // Source-over of one non-premultiplied RGBA pixel (ImageData layout, little-endian
  // ABGR in a Uint32) onto another. Only anti-aliased sprite edges that land on another
  // officer come here; everything else is a plain copy.
  function blend(src, dst) {
    var sa = src >>> 24, da = dst >>> 24;
    var ia = ((255 - sa) * da) / 255, oa = sa + ia;
    var r = ((src & 255) * sa + (dst & 255) * ia) / oa;
    var g = (((src >>> 8) & 255) * sa + ((dst >>> 8) & 255) * ia) / oa;
    var b = (((src >>> 16) & 255) * sa + ((dst >>> 16) & 255) * ia) / oa;
    return (((oa + 0.5) | 0) << 24) | (((b + 0.5) | 0) << 16) | (((g + 0.5) | 0) << 8) | ((r + 0.5) | 0);
  }

  // A Leaflet renderer (it handles panes, zoom animation and padding like L.Canvas) that
  // draws the officers from the typed arrays instead of from per-object paths.
  //
  // Drawing is pixel writes into one ImageData and a single putImageData: in software
  // rendering 20,000 drawImage calls cost ~65 ms (per-call overhead), 20,000 sprite
  // blits into a Uint32Array a few ms. Sprites are pre-rendered per (status, colour)
  // and placed at integer pixels, so a blit is a row copy with no resampling.
  // Shared by both canvas layers (officers, trails): one canvas sized to the renderer's
  // padded bounds at the device pixel ratio.
  function fitCanvasToBounds(layer) {
    L.Renderer.prototype._update.call(layer);
    var b = layer._bounds, size = b.getSize(), dpr = window.devicePixelRatio || 1;
    var c = layer._container;
    L.DomUtil.setPosition(c, b.min);
    c.width = Math.round(dpr * size.x);
    c.height = Math.round(dpr * size.y);
    c.style.width = size.x + "px";
    c.style.height = size.y + "px";
    return b;
  }

  function destroyCanvas() {
    L.DomUtil.remove(this._container);
    delete this._ctx;
    delete this._container;
  }

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

    _destroyContainer: destroyCanvas,

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

    // One pre-rendered sprite per (status class, colour), kept as the list of its
    // non-transparent pixels (opaque ones first) with their offsets in a canvas row of
    // width W: stamping it is then one store per pixel, no per-row arithmetic.
    _sprite: function (key, nPal, r, dpr, W) {
      var cacheKey = r + "/" + dpr + "/" + nPal + "/" + W;
      if (this._spriteKey !== cacheKey) {
        this._sprites = {};
        this._spriteKey = cacheKey;
      }
      var found = this._sprites[key];
      if (found) return found;
      var unitKind = key % N_KINDS, ck = (key / N_KINDS) | 0;
      var style = CLASS_STYLE[(ck / nPal) | 0];
      var rr = r * style.scale;
      var vehicle = unitKind === KIND_VEHICLE, hs = rr * VEHICLE_HALF;
      var body = vehicle ? hs * Math.SQRT2 : rr; // the symbol's farthest reach
      var outer = style.halo ? rr * 2.2 : body + style.ringWidth;
      var half = Math.ceil(outer * dpr) + 1, size = 2 * half;
      var c = document.createElement("canvas");
      c.width = c.height = size;
      var g = c.getContext("2d");
      g.translate(half, half);
      g.scale(dpr, dpr);
      if (style.halo) {
        g.beginPath();
        g.arc(0, 0, rr * 2.2, 0, 2 * Math.PI);
        g.fillStyle = style.halo;
        g.fill();
      }
      g.beginPath();
      if (vehicle) {
        // A rounded square: a car seen from above, whatever way it faces (the arrow
        // says that).
        var cr = hs * VEHICLE_CORNER;
        g.moveTo(-hs + cr, -hs);
        g.arcTo(hs, -hs, hs, hs, cr);
        g.arcTo(hs, hs, -hs, hs, cr);
        g.arcTo(-hs, hs, -hs, -hs, cr);
        g.arcTo(-hs, -hs, hs, -hs, cr);
        g.closePath();
      } else {
        g.arc(0, 0, rr, 0, 2 * Math.PI);
      }
      g.globalAlpha = style.alpha;
      g.fillStyle = style.fill || store.palette[ck % nPal] || "#9aa7b4";
      g.fill();
      g.lineWidth = style.ringWidth;
      g.strokeStyle = style.ring;
      g.stroke();
      var data = new Uint32Array(g.getImageData(0, 0, size, size).data.buffer.slice(0));
      var opaque = [], rim = [];
      for (var i = 0; i < data.length; i++) {
        var a = data[i] >>> 24;
        if (a === 255) opaque.push(i); else if (a > 0) rim.push(i);
      }
      var all = opaque.concat(rim), m = all.length;
      var offs = new Int32Array(m), vals = new Uint32Array(m);
      var dxs = new Int16Array(m), dys = new Int16Array(m);
      for (var q = 0; q < m; q++) {
        var yy = (all[q] / size) | 0, xx = all[q] - yy * size;
        offs[q] = yy * W + xx; vals[q] = data[all[q]]; dxs[q] = xx; dys[q] = yy;
      }
      found = { offs: offs, vals: vals, dx: dxs, dy: dys, nOpaque: opaque.length, half: half, size: size };
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

    _destroyContainer: destroyCanvas,

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
    if (trailLayer) trailLayer.requestRedraw(true);
  }

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
        if (bridge) bridge.entityClicked("incident", info.id);
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
    if (alerts.size) refreshAlerts();
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
    cancelPendingFit();
    setFollowing(null);
    var zoom = Math.min(16, Math.max(CLUSTER_BELOW_ZOOM, wf.map.getBoundsZoom(b.pad(0.3))));
    wf.map.setView(b.getCenter(), zoom, { animate: false });
  }

  // ---- merchants: thousands of fixed points on one canvas, decluttered by zoom ------------

  var MERCHANT_ALL_ZOOM = 14;   // below: high-risk merchants only
  var MERCHANT_GLYPH_ZOOM = 16; // from here: the category's first character on each
  // size: half-diagonal in px below MERCHANT_GLYPH_ZOOM; glyphSize from there (0: low
  // risk stays a plain small diamond, two thousand glyphs of quiet shops are noise).
  var RISK_STYLE = [
    null,
    { fill: "#7f93a8", size: 4.5, glyphSize: 0 },
    { fill: "#ffab40", size: 6, glyphSize: 13 },
    { fill: "#ff4f6e", size: 7, glyphSize: 15 }
  ];

  var merchants = {
    n: 0, ids: [], names: [], glyphs: [], risk: new Uint8Array(0),
    lat: new Float64Array(0), lon: new Float64Array(0), slotOf: new Map(),
    visible: true, drawn: 0
  };
  var merchantLayer = null;

  function merchantShown(m, zoom) {
    return merchants.risk[m] >= 3 || zoom >= MERCHANT_ALL_ZOOM;
  }

  function merchantHalf(m, zoom) {
    var st = RISK_STYLE[merchants.risk[m]] || RISK_STYLE[1];
    return zoom >= MERCHANT_GLYPH_ZOOM && st.glyphSize ? st.glyphSize : st.size;
  }

  var MerchantCanvas = L.Renderer.extend({
    options: { padding: 0.1 },

    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = "wf-merchants";
      this._ctx = this._container.getContext("2d");
    },

    _destroyContainer: destroyCanvas,

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      fitCanvasToBounds(this);
      this.redraw();
    },

    // Diamonds: across the room a shop must read as neither an officer (disc) nor an
    // incident (rounded square). One path per risk level, high risk drawn last (on top).
    redraw: function () {
      if (!this._ctx || !this._map || !this._bounds) return;
      var ctx = this._ctx, c = this._container, b = this._bounds;
      var dpr = window.devicePixelRatio || 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      merchants.drawn = 0;
      if (!merchants.visible || merchants.n === 0) return;
      var map = this._map, zoom = map.getZoom();
      var scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var box = latLngBox(map, b, 12), glyphs = zoom >= MERCHANT_GLYPH_ZOOM;
      ctx.setTransform(dpr, 0, 0, dpr, -b.min.x * dpr, -b.min.y * dpr);
      ctx.lineJoin = "round";
      var shown = [[], [], [], []];
      for (var m = 0; m < merchants.n; m++) {
        var la = merchants.lat[m], lo = merchants.lon[m];
        if (la < box.s || la > box.n || lo < box.w || lo > box.e) continue;
        if (!merchantShown(m, zoom)) continue;
        shown[merchants.risk[m]].push(m);
      }
      for (var risk = 1; risk <= 3; risk++) {
        var list = shown[risk], st = RISK_STYLE[risk];
        if (!list.length) continue;
        var withGlyph = glyphs && st.glyphSize > 0, h = withGlyph ? st.glyphSize : st.size;
        ctx.beginPath();
        for (var k = 0; k < list.length; k++) {
          m = list[k];
          var x = scale * (merchants.lon[m] / 360 + 0.5) - po.x;
          var y = projectY(merchants.lat[m], scale) - po.y;
          ctx.moveTo(x, y - h); ctx.lineTo(x + h, y); ctx.lineTo(x, y + h); ctx.lineTo(x - h, y);
          ctx.closePath();
        }
        ctx.fillStyle = st.fill;
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = "rgba(4,8,12,0.9)";
        ctx.stroke();
        merchants.drawn += list.length;
        if (withGlyph) {
          ctx.font = "bold " + Math.round(h * 0.95) + "px " + FONT;
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          ctx.fillStyle = "#0b1118";
          for (k = 0; k < list.length; k++) {
            m = list[k];
            ctx.fillText(merchants.glyphs[m],
              scale * (merchants.lon[m] / 360 + 0.5) - po.x, projectY(merchants.lat[m], scale) - po.y + 0.5);
          }
        }
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    },

    // The merchant drawn under a container point (what the operator sees), or -1.
    hitTest: function (containerPoint) {
      if (!merchants.visible || !this._map) return -1;
      var map = this._map, lp = map.containerPointToLayerPoint(containerPoint);
      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var best = -1, bestD = Infinity, bestRisk = 0;
      for (var m = 0; m < merchants.n; m++) {
        if (!merchantShown(m, zoom)) continue;
        var dx = scale * (merchants.lon[m] / 360 + 0.5) - po.x - lp.x;
        var dy = projectY(merchants.lat[m], scale) - po.y - lp.y;
        var reach = merchantHalf(m, zoom) + HIT_SLOP_PX;
        if (Math.abs(dx) + Math.abs(dy) > reach) continue; // outside the diamond
        var d = dx * dx + dy * dy, risk = merchants.risk[m];
        if (risk > bestRisk || (risk === bestRisk && d < bestD)) { best = m; bestD = d; bestRisk = risk; }
      }
      return best;
    }
  });

  // The canvas is on the map only while it has something to show: an empty full-screen
  // layer still costs the compositor a blend per frame in software rendering.
  function syncMerchantLayer() {
    var want = merchants.visible && merchants.n > 0, has = wf.map.hasLayer(merchantLayer);
    if (want && !has) wf.map.addLayer(merchantLayer); // adding draws it
    else if (!want && has) wf.map.removeLayer(merchantLayer);
    else if (want) merchantLayer.redraw();
    if (!want) merchants.drawn = 0;
  }

  function setMerchants(args) {
    var n = args.ids.length;
    merchants.n = n;
    merchants.ids = args.ids; merchants.names = args.names; merchants.glyphs = args.glyphs;
    merchants.risk = Uint8Array.from(args.risk);
    merchants.lat = Float64Array.from(args.lat);
    merchants.lon = Float64Array.from(args.lon);
    merchants.slotOf = new Map();
    for (var m = 0; m < n; m++) merchants.slotOf.set(args.ids[m], m);
    syncMerchantLayer();
    refreshAlerts();
  }

  function showMerchants(args) {
    merchants.visible = !!args.visible;
    syncMerchantLayer();
  }

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

  // ---- follow -------------------------------------------------------------------------------

  function followStep() {
    var slot = store.slotOf.get(following);
    if (slot === undefined || store.lat[slot] !== store.lat[slot]) return;
    var c = wf.map.getCenter();
    if (Math.abs(c.lat - store.lat[slot]) < 1e-9 && Math.abs(c.lng - store.lon[slot]) < 1e-9) return;
    wf.map.panTo([store.lat[slot], store.lon[slot]], { animate: false });
  }

  function setFollowing(id) {
    if (following === id) return;
    following = id;
    if (bridge) bridge.followChanged(id || "");
    if (id !== null) followStep();
  }

  // ---- commands -----------------------------------------------------------------------------

  // A fit waiting for the view's first real size must not undo a later explicit view.
  function cancelPendingFit() { wf.map.off("resize", commands.fitWucheng); }

  var commands = {
    fitWucheng: function () {
      cancelPendingFit();
      var size = wf.map.getSize();
      if (size.x === 0 || size.y === 0) {
        // A page laid out before its view is shown has no size: fitting now would give
        // a NaN centre. Fit once the view gets its real size.
        wf.map.once("resize", commands.fitWucheng);
        return;
      }
      wf.map.fitBounds(wf.wuchengBounds, { padding: [24, 24], animate: false });
    },
    setView: function (args) {
      cancelPendingFit();
      wf.map.setView([args.lat, args.lon], args.zoom, { animate: false });
    },
    setIncidents: function (args) {
      var keep = new Set();
      args.items.forEach(function (info) { keep.add(info.id); upsertIncident(info); });
      Array.from(incidents.keys()).forEach(function (id) { if (!keep.has(id)) removeIncident(id); });
      incidentsChanged();
    },
    updateIncident: function (args) { upsertIncident(args.item); incidentsChanged(); },
    removeIncident: function (args) { removeIncident(args.id); incidentsChanged(); },
    fitIncident: function (args) {
      var entry = incidents.get(args.id);
      if (!entry) return;
      cancelPendingFit();
      setFollowing(null);
      // The incident and the officers sent to it: the operator wants to see who is how far.
      var b = L.latLngBounds([[entry.info.lat, entry.info.lon]]);
      (entry.info.units || []).forEach(function (uid) {
        var s = store.slotOf.get(uid);
        if (s !== undefined && store.lat[s] === store.lat[s]) b.extend([store.lat[s], store.lon[s]]);
      });
      wf.map.fitBounds(b.pad(0.2), { maxZoom: args.maxZoom || 16, padding: [60, 60], animate: false });
    },
    followUnit: function (args) {
      if (args.id) cancelPendingFit();
      if (args.id && args.zoom) {
        var s = store.slotOf.get(args.id);
        if (s !== undefined && store.lat[s] === store.lat[s]) {
          wf.map.setView([store.lat[s], store.lon[s]], args.zoom, { animate: false });
        }
      }
      setFollowing(args.id || null);
    },
    setTrails: setTrails,
    setMerchants: setMerchants,
    showMerchants: showMerchants,
    setAlerts: function (args) {
      var keep = new Set();
      args.items.forEach(function (info) { keep.add(info.id); upsertAlert(info); });
      Array.from(alerts.keys()).forEach(function (id) { if (!keep.has(id)) removeAlert(id); });
    },
    updateAlert: function (args) { upsertAlert(args.item); },
    removeAlert: function (args) { removeAlert(args.id); }
  };

  function runCommand(cmd) {
    var fn = commands[cmd.op];
    if (!fn) throw new Error("watchfloor: unknown map command " + cmd.op);
    fn(cmd.args || {});
  }

  wf.init = function (map, config) {
    wf.map = map;
    wf.config = config;
    wf.wuchengBounds = L.latLngBounds(config.wucheng);
    trails.olat = config.origin[0];
    trails.olon = config.origin[1];
    if (config.tiles) {
      // Under the vector overlays (tilePane 200 < overlayPane 400).
      wf.tiles = L.tileLayer(config.tiles.url, config.tiles.options).addTo(map);
    }
    // Above outlines and district labels (markerPane is 600), below tooltips (650).
    var trailPane = map.createPane("wfTrails");
    trailPane.style.zIndex = 610;
    trailPane.style.pointerEvents = "none";
    var pane = map.createPane("wfUnits");
    pane.style.zIndex = 620;
    pane.style.pointerEvents = "none";
    // Merchants under the moving layers: they are the backdrop officers work against.
    var merchantPane = map.createPane("wfMerchants");
    merchantPane.style.zIndex = 605;
    merchantPane.style.pointerEvents = "none";
    var alertPane = map.createPane("wfAlerts");
    alertPane.style.zIndex = 625;
    alertPane.style.pointerEvents = "none";
    var incPane = map.createPane("wfIncidents");
    incPane.style.zIndex = 630;
    merchants.visible = config.merchants !== false;
    merchantLayer = new MerchantCanvas({ pane: "wfMerchants" });
    trailLayer = new TrailCanvas({ pane: "wfTrails" });
    map.addLayer(trailLayer);
    if (config.unitRenderer === "markers") {
      layer = new MarkerBaseline(map, "wfUnits");
    } else {
      layer = new UnitCanvas({ pane: "wfUnits" });
      map.addLayer(layer);
    }
    L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 160 }).addTo(map);
    commands.fitWucheng();
    if (config.trails) setTrails(config.trails);
    map.on("click", function (e) {
      // Officers are drawn above merchants: they win a click on both.
      var slot = layer.hitTest(e.containerPoint);
      if (slot >= 0) {
        wf.lastClick = store.ids[slot];
        if (bridge) bridge.entityClicked("unit", store.ids[slot]);
        return;
      }
      var m = merchantLayer.hitTest(e.containerPoint);
      wf.lastClick = m >= 0 ? merchants.ids[m] : null;
      if (m >= 0 && bridge) bridge.entityClicked("merchant", merchants.ids[m]);
    });
    map.on("zoomend", recluster);
    // Any hand on the map ends following: the operator wants to look elsewhere.
    map.on("dragstart", function () { setFollowing(null); });
    setInterval(tickIncidents, 1000);
    if (window.qt && window.qt.webChannelTransport) {
      new QWebChannel(window.qt.webChannelTransport, function (channel) {
        bridge = channel.objects.bridge;
        bridge.meta.connect(function (text) { applyMeta(JSON.parse(text)); });
        bridge.frame.connect(function (text) { applyFrame(JSON.parse(text)); });
        bridge.command.connect(function (text) { runCommand(JSON.parse(text)); });
        bridge.pageReady();
      });
    }
  };

  // ---- read-back for tests and diagnostics: positions are in the map's datum -------------

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
      lastApplyMs: store.lastApplyMs, visible: layer ? layer._lastVisible : 0, units: units,
      labelled: !!(layer && layer._labelled),
      labels: layer && layer._labels ? layer._labels.slice() : []
    };
  };

  wf.stats = function () {
    return {
      count: store.count, batches: store.batches, lastSeq: store.lastSeq,
      lastApplyMs: store.lastApplyMs, lastDrawMs: store.lastDrawMs,
      redraws: store.redraws, skippedRedraws: store.skippedRedraws,
      zoom: wf.map ? wf.map.getZoom() : null, following: following
    };
  };

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

  wf.unitContainerPoint = function (id) {
    var slot = store.slotOf.get(id);
    if (slot === undefined || store.lat[slot] !== store.lat[slot]) return null;
    var p = wf.map.latLngToContainerPoint([store.lat[slot], store.lon[slot]]);
    return { x: p.x, y: p.y };
  };

  // Diagnostics: time the officers' redraw (min of reps), for tuning on the target PC.
  wf.benchRedraw = function (reps) {
    var out = [];
    for (var i = 0; i < reps; i++) { layer.redraw(); out.push(store.lastDrawMs); }
    return { min: Math.min.apply(null, out), all: out };
  };

  // Direction arrows of the last officers' paint: id -> heading (degrees from north).
  wf.headingState = function () {
    var drawn = {}, slots = layer && layer._wedges ? layer._wedges : [];
    for (var j = 0; j < slots.length; j++) drawn[store.ids[slots[j]]] = store.heading[slots[j]];
    var headings = {};
    for (var s = 0; s < store.count; s++) if (store.heading[s] >= 0) headings[store.ids[s]] = store.heading[s];
    return { zoom: wf.map.getZoom(), drawn: drawn, headings: headings };
  };

  wf.merchantState = function () {
    var items = {};
    for (var m = 0; m < merchants.n; m++) {
      items[merchants.ids[m]] = {
        lat: merchants.lat[m], lon: merchants.lon[m], risk: merchants.risk[m],
        glyph: merchants.glyphs[m], shown: merchants.visible && merchantShown(m, wf.map.getZoom()),
        fill: RISK_STYLE[merchants.risk[m]].fill, half: merchantHalf(m, wf.map.getZoom())
      };
    }
    return { count: merchants.n, drawn: merchants.drawn, visible: merchants.visible, items: items };
  };

  wf.merchantContainerPoint = function (id) {
    var m = merchants.slotOf.get(id);
    if (m === undefined) return null;
    var p = wf.map.latLngToContainerPoint([merchants.lat[m], merchants.lon[m]]);
    return { x: p.x, y: p.y };
  };

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

  wf.clusterState = function () {
    return {
      zoom: wf.map.getZoom(),
      clusters: clusters.map(function (c) {
        var p = wf.map.latLngToContainerPoint([c.lat, c.lon]);
        return { count: c.ids.length, state: c.state, ids: c.ids.slice().sort(), x: p.x, y: p.y };
      })
    };
  };

  wf.hitTest = function (x, y) {
    var slot = layer.hitTest(L.point(x, y));
    return slot >= 0 ? store.ids[slot] : null;
  };
})();
