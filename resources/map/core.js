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
 * a dot per officer, a rounded square per vehicle; heading arrows at street zoom), alert
 * rings (DOM markers; CSS pulse), incidents (a few hundred DOM markers; CSS pulse; grid
 * clusters below street zoom).
 *
 * The script is one plain file per job, loaded in this order by widgets/map/page.py
 * (MAP_SCRIPTS) as ordinary <script> tags: no ES modules and no build step, so the page
 * runs from the app's own URL scheme, offline and inside the bundle.
 *   core.js       the namespace, the officers' store, page state, projection, canvas helpers
 *   sprites.js    the pre-rendered symbols of officers (dots) and vehicles (rounded squares)
 *   units.js      the officers' canvas layer, its hit test and read-back
 *   baseline.js   one Leaflet circleMarker per officer: what the benchmark compares against
 *   trails.js     trails: a ring buffer per officer and their canvas
 *   feed.js       meta and frames from the bridge into the store; one paint per frame
 *   view.js       fitting the district, setting the view, following an officer
 *   incidents.js  incident markers and their clusters
 *   merchants.js  the merchants' canvas
 *   alerts.js     alert rings on officers, incidents and merchants
 *   hotspot.js    the cockpit's heat of cases and recurrence points (stats.hotspots)
 *   dispatch.js   the desk's dispatch plan: the case ringed, lines from its officers
 *   main.js       watchfloor.init: panes, layers, clicks and the QWebChannel bridge
 * Each file is one closure; what they share sits on watchfloor.shared, which is not part
 * of the page's API (Python and the tests call only the functions on watchfloor itself).
 * At load time a file takes from shared only what earlier files set; anything from a
 * later file it looks up when called, once every script has run.
 */
(function () {
  "use strict";

  var wf = (window.watchfloor = window.watchfloor || {});
  // Everything the page's scripts share with each other (see the list above).
  var shared = (wf.shared = {});

  // Unit kinds (meta.kinds): officers are dots, enforcement vehicles rounded squares. A
  // sprite key is ((status class * palette) + colour) * N_KINDS + kind, so the draw
  // order (status class on top) is the same for both.
  var KIND_OFFICER = 0, KIND_VEHICLE = 1, N_KINDS = 2;
  var KIND_NAMES = ["officer", "vehicle"];
  var MAX_LAT = 85.0511287798;
  var HIT_SLOP_PX = 4;
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
  // Page state more than one file reads and sets: one object, so all see the same values.
  var page = {
    bridge: null,
    layer: null,        // the officers' renderer (UnitCanvas, or the baseline adapter)
    trailLayer: null,
    merchantLayer: null,
    drawQueued: false,
    needUnitDraw: false,
    following: null     // officer id the view keeps centred, or null
  };

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

  function nowSeconds() { return performance.now() / 1000; }

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

  // Shared by the canvas layers (officers, trails, merchants): one canvas sized to the
  // renderer's padded bounds at the device pixel ratio.
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

  // The bridge's commands by op name: each layer's file adds its own.
  var commands = {};

  function runCommand(cmd) {
    var fn = commands[cmd.op];
    if (!fn) throw new Error("watchfloor: unknown map command " + cmd.op);
    fn(cmd.args || {});
  }

  shared.KIND_OFFICER = KIND_OFFICER;
  shared.KIND_VEHICLE = KIND_VEHICLE;
  shared.N_KINDS = N_KINDS;
  shared.KIND_NAMES = KIND_NAMES;
  shared.HIT_SLOP_PX = HIT_SLOP_PX;
  shared.FONT = FONT;
  shared.store = store;
  shared.page = page;
  shared.commands = commands;
  shared.decodeBase64 = decodeBase64;
  shared.grow = grow;
  shared.paletteSlot = paletteSlot;
  shared.nowSeconds = nowSeconds;
  shared.projectY = projectY;
  shared.radiusForZoom = radiusForZoom;
  shared.latLngBox = latLngBox;
  shared.fitCanvasToBounds = fitCanvasToBounds;
  shared.destroyCanvas = destroyCanvas;
  shared.runCommand = runCommand;
})();
