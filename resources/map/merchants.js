/*
 * Merchants: thousands of fixed points on one canvas, diamonds by risk, decluttered by zoom.
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var page = shared.page, commands = shared.commands;
  var HIT_SLOP_PX = shared.HIT_SLOP_PX, FONT = shared.FONT;
  var projectY = shared.projectY, latLngBox = shared.latLngBox;
  var fitCanvasToBounds = shared.fitCanvasToBounds;

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

    _destroyContainer: shared.destroyCanvas,

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
    var want = merchants.visible && merchants.n > 0, has = wf.map.hasLayer(page.merchantLayer);
    if (want && !has) wf.map.addLayer(page.merchantLayer); // adding draws it
    else if (!want && has) wf.map.removeLayer(page.merchantLayer);
    else if (want) page.merchantLayer.redraw();
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
    shared.refreshAlerts();
  }

  function showMerchants(args) {
    merchants.visible = !!args.visible;
    syncMerchantLayer();
  }

  commands.setMerchants = setMerchants;
  commands.showMerchants = showMerchants;
  shared.merchants = merchants;
  shared.MerchantCanvas = MerchantCanvas;

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
})();
