/*
 * Watchfloor live map: every officer drawn by ONE canvas layer, fed over QWebChannel.
 *
 * Python sends two kinds of messages on the single exposed object ("bridge"):
 *   meta  - rarely: ids, names, teams, colours for a range of slots (or a full reset);
 *   frame - at most once per display frame: the slots that moved, as base64 typed arrays
 *           (Uint32 slots, Float32 lat/lon offsets from a float64 origin, Uint8 statuses).
 * Positions are stored in float64 typed arrays indexed by slot; nothing per officer is a
 * Leaflet object, so the cost of a batch is a loop over the batch, and the cost of a
 * redraw a loop over the officers on screen.
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
  var MAX_LAT = 85.0511287798;
  var HIT_SLOP_PX = 4;
  var LABEL_MIN_ZOOM = 15;
  var LABEL_MAX_VISIBLE = 400;
  var FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

  var store = {
    count: 0,
    ids: [], names: [], teams: [],
    palette: [], paletteIndex: new Map(),
    colourIdx: new Uint16Array(0),
    lat: new Float64Array(0), lon: new Float64Array(0),
    status: new Uint8Array(0),
    statuses: ["unknown"], statusClass: new Uint8Array([1]),
    slotOf: new Map(),
    batches: 0, lastSeq: 0, lastApplyMs: 0, lastDrawMs: 0, paintedSeq: 0
  };
  var bridge = null;
  var layer = null;
  var drawQueued = false;

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

  function applyMeta(meta) {
    var n = meta.count;
    if (meta.reset) {
      store.ids = []; store.names = []; store.teams = [];
      store.palette = []; store.paletteIndex = new Map(); store.slotOf = new Map();
      store.colourIdx = new Uint16Array(n);
      store.lat = new Float64Array(n).fill(NaN);
      store.lon = new Float64Array(n).fill(NaN);
      store.status = new Uint8Array(n);
    } else if (n > store.count) {
      store.colourIdx = grow(Uint16Array, store.colourIdx, n);
      store.lat = grow(Float64Array, store.lat, n, NaN);
      store.lon = grow(Float64Array, store.lon, n, NaN);
      store.status = grow(Uint8Array, store.status, n);
    }
    for (var k = 0; k < meta.ids.length; k++) {
      var slot = meta.start + k;
      store.ids[slot] = meta.ids[k];
      store.names[slot] = meta.names[k];
      store.teams[slot] = meta.teams[k];
      store.colourIdx[slot] = paletteSlot(meta.colours[k]);
      store.slotOf.set(meta.ids[k], slot);
    }
    store.count = n;
    if (layer) layer._spriteKey = null; // colours may have changed under the same index
    scheduleDraw();
  }

  function applyStatuses(names) {
    store.statuses = names;
    store.statusClass = new Uint8Array(names.length);
    for (var i = 0; i < names.length; i++) {
      var c = STATUS_CLASS[names[i]];
      store.statusClass[i] = c === undefined ? 1 : c;
    }
  }

  function applyFrame(frame) {
    var t0 = performance.now();
    if (frame.statuses) applyStatuses(frame.statuses);
    var idx = new Uint32Array(decodeBase64(frame.idx).buffer);
    var pos = new Float32Array(decodeBase64(frame.pos).buffer);
    var st = decodeBase64(frame.st);
    var olat = frame.o[0], olon = frame.o[1];
    var lat = store.lat, lon = store.lon, status = store.status, count = store.count;
    for (var k = 0; k < idx.length; k++) {
      var s = idx[k];
      if (s >= count) continue; // a frame can never outrun its meta; stay safe anyway
      lat[s] = olat + pos[2 * k];
      lon[s] = olon + pos[2 * k + 1];
      status[s] = st[k];
    }
    store.batches += 1;
    store.lastSeq = frame.seq;
    store.lastApplyMs = performance.now() - t0;
    scheduleDraw();
  }

  function scheduleDraw() {
    if (drawQueued || !layer) return;
    drawQueued = true;
    requestAnimationFrame(function () {
      drawQueued = false;
      if (layer) layer.redraw();
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
    // Wall operators read the map from metres away: never smaller than ~9 px across.
    return Math.max(4.5, Math.min(8, 3 + (zoom - 9) * 1.1));
  }

  // A Leaflet renderer (it handles panes, zoom animation and padding like L.Canvas) that
  // draws the officers from the typed arrays instead of from per-object paths.
  var UnitCanvas = L.Renderer.extend({
    options: { padding: 0.1 },

    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = "wf-units";
      this._ctx = this._container.getContext("2d");
      this._px = new Float32Array(0);
      this._py = new Float32Array(0);
      this._order = new Uint32Array(0);
      this._keys = new Uint16Array(0);
    },

    _destroyContainer: function () {
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._container;
    },

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, size = b.getSize(), dpr = window.devicePixelRatio || 1;
      var c = this._container;
      L.DomUtil.setPosition(c, b.min);
      c.width = Math.round(dpr * size.x);
      c.height = Math.round(dpr * size.y);
      c.style.width = size.x + "px";
      c.style.height = size.y + "px";
      this.redraw();
    },

    redraw: function () {
      if (!this._ctx || !this._map || !this._bounds) return;
      var t0 = performance.now();
      var ctx = this._ctx, c = this._container, b = this._bounds;
      var dpr = window.devicePixelRatio || 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      // Draw in Leaflet layer points; the canvas sits at the padded bounds' corner.
      ctx.setTransform(dpr, 0, 0, dpr, -b.min.x * dpr, -b.min.y * dpr);

      var n = store.count;
      if (this._px.length < n) {
        this._px = new Float32Array(n); this._py = new Float32Array(n);
        this._order = new Uint32Array(n); this._keys = new Uint16Array(n);
      }
      var map = this._map, zoom = map.getZoom();
      var scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var r = radiusForZoom(zoom), pad = 3 * r;
      var x0 = b.min.x - pad, y0 = b.min.y - pad, x1 = b.max.x + pad, y1 = b.max.y + pad;
      var nPal = Math.max(store.palette.length, 1);
      var nKeys = N_CLASSES * nPal;
      var counts = new Uint32Array(nKeys + 1);
      var px = this._px, py = this._py, keys = this._keys, order = this._order;
      var lat = store.lat, lon = store.lon, visible = 0;

      // Bucket the visible officers by (status class, colour) with a counting sort, so
      // each bucket is one path and one fill: canvas state changes are what cost.
      for (var i = 0; i < n; i++) {
        var la = lat[i];
        if (la !== la) { keys[i] = 0xffff; continue; } // NaN: no fix yet
        var x = scale * (lon[i] / 360 + 0.5) - po.x;
        var y = projectY(la, scale) - po.y;
        if (x < x0 || x > x1 || y < y0 || y > y1) { keys[i] = 0xffff; continue; }
        px[i] = x; py[i] = y;
        var key = store.statusClass[store.status[i]] * nPal + store.colourIdx[i];
        keys[i] = key;
        counts[key + 1] += 1;
        visible += 1;
      }
      for (var k = 0; k < nKeys; k++) counts[k + 1] += counts[k];
      var fillPos = counts.slice(0, nKeys);
      for (i = 0; i < n; i++) {
        if (keys[i] !== 0xffff) order[fillPos[keys[i]]++] = i;
      }

      // One pre-rendered sprite per (status class, colour), stamped with drawImage:
      // software raster fills thousands of anti-aliased arcs far slower than it blits.
      for (k = 0; k < nKeys; k++) {
        var from = counts[k], to = counts[k + 1];
        if (from === to) continue;
        var spr = this._sprite(k, nPal, r, dpr), half = spr.half, size = spr.size, j, s;
        for (j = from; j < to; j++) {
          s = order[j];
          ctx.drawImage(spr.canvas, Math.round(px[s]) - half, Math.round(py[s]) - half, size, size);
        }
      }

      if (zoom >= LABEL_MIN_ZOOM && visible <= LABEL_MAX_VISIBLE) {
        ctx.font = "13px " + FONT;
        ctx.textBaseline = "middle";
        ctx.lineWidth = 3;
        ctx.strokeStyle = "rgba(5,10,16,0.9)";
        ctx.fillStyle = "#e6f1fb";
        for (j = 0; j < visible; j++) {
          s = order[j];
          ctx.strokeText(store.names[s], px[s] + r + 4, py[s]);
          ctx.fillText(store.names[s], px[s] + r + 4, py[s]);
        }
      }
      this._lastVisible = visible;
      store.lastDrawMs = performance.now() - t0;
    },

    _sprite: function (key, nPal, r, dpr) {
      var cacheKey = r + "/" + dpr + "/" + nPal;
      if (this._spriteKey !== cacheKey) {
        this._sprites = {};
        this._spriteKey = cacheKey;
      }
      var found = this._sprites[key];
      if (found) return found;
      var style = CLASS_STYLE[(key / nPal) | 0];
      var rr = r * style.scale;
      var outer = style.halo ? rr * 2.2 : rr + style.ringWidth;
      var half = Math.ceil(outer) + 1, size = 2 * half;
      var c = document.createElement("canvas");
      c.width = c.height = Math.ceil(size * dpr);
      var g = c.getContext("2d");
      g.scale(dpr, dpr);
      if (style.halo) {
        g.beginPath();
        g.arc(half, half, rr * 2.2, 0, 2 * Math.PI);
        g.fillStyle = style.halo;
        g.fill();
      }
      g.beginPath();
      g.arc(half, half, rr, 0, 2 * Math.PI);
      g.globalAlpha = style.alpha;
      g.fillStyle = style.fill || store.palette[key % nPal] || "#9aa7b4";
      g.fill();
      g.lineWidth = style.ringWidth;
      g.strokeStyle = style.ring;
      g.stroke();
      found = { canvas: c, half: half, size: size };
      this._sprites[key] = found;
      return found;
    },

    // The officer under a container point, or -1. Projects afresh rather than reusing
    // the last paint, so it is right even when the page has not painted yet.
    hitTest: function (containerPoint) {
      var map = this._map, lp = map.containerPointToLayerPoint(containerPoint);
      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), po = map.getPixelOrigin();
      var r = radiusForZoom(zoom) * 1.2 + HIT_SLOP_PX;
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

  var commands = {
    fitWucheng: function () {
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
      wf.map.setView([args.lat, args.lon], args.zoom, { animate: false });
    }
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
    var pane = map.createPane("wfUnits");
    // Above outlines and district labels (markerPane is 600), below tooltips (650).
    pane.style.zIndex = 620;
    pane.style.pointerEvents = "none";
    layer = new UnitCanvas({ pane: "wfUnits" });
    map.addLayer(layer);
    L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 160 }).addTo(map);
    commands.fitWucheng();
    map.on("click", function (e) {
      var slot = layer.hitTest(e.containerPoint);
      wf.lastClick = slot >= 0 ? store.ids[slot] : null;
      if (slot >= 0 && bridge) bridge.entityClicked("unit", store.ids[slot]);
    });
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

  // Read-back for tests and diagnostics: positions are in the map's datum.
  wf.unitState = function () {
    var units = {};
    for (var i = 0; i < store.count; i++) {
      units[store.ids[i]] = {
        lat: store.lat[i], lon: store.lon[i],
        status: store.statuses[store.status[i]], colour: store.palette[store.colourIdx[i]],
        name: store.names[i]
      };
    }
    return {
      count: store.count, batches: store.batches, lastSeq: store.lastSeq,
      lastApplyMs: store.lastApplyMs, visible: layer ? layer._lastVisible : 0, units: units
    };
  };

  wf.stats = function () {
    return {
      count: store.count, batches: store.batches, lastSeq: store.lastSeq,
      lastApplyMs: store.lastApplyMs, lastDrawMs: store.lastDrawMs,
      zoom: wf.map ? wf.map.getZoom() : null
    };
  };

  wf.unitContainerPoint = function (id) {
    var slot = store.slotOf.get(id);
    if (slot === undefined || store.lat[slot] !== store.lat[slot]) return null;
    var p = wf.map.latLngToContainerPoint([store.lat[slot], store.lon[slot]]);
    return { x: p.x, y: p.y };
  };

  wf.hitTest = function (x, y) {
    var slot = layer.hitTest(L.point(x, y));
    return slot >= 0 ? store.ids[slot] : null;
  };
})();
