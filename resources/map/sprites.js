/*
 * The officers' and vehicles' symbols: pre-rendered once per (status class, colour, kind)
 * and kept as lists of pixels that the officers' layer (units.js) stamps into its ImageData.
 */
(function () {
  "use strict";

  var shared = window.watchfloor.shared;
  var store = shared.store;
  var KIND_VEHICLE = shared.KIND_VEHICLE, N_KINDS = shared.N_KINDS;

  // How each status class (feed.js STATUS_CLASS) is drawn; later classes are on top.
  var CLASS_STYLE = [
    { scale: 0.8, fill: "#7a8794", alpha: 0.75, ring: "rgba(4,8,12,0.9)", ringWidth: 1 },
    { scale: 1.0, fill: null, alpha: 1.0, ring: "rgba(4,8,12,0.95)", ringWidth: 1.25 },
    { scale: 1.0, fill: null, alpha: 1.0, ring: "#ffffff", ringWidth: 2 },
    { scale: 1.2, fill: null, alpha: 1.0, ring: "#ff3b30", ringWidth: 2.5, halo: "rgba(255,59,48,0.35)" }
  ];
  var N_CLASSES = CLASS_STYLE.length;
  // A vehicle's square is a little larger than an officer's dot (it reads as a car);
  // its half side relative to the dot's radius, and its corner radius.
  var VEHICLE_HALF = 1.0, VEHICLE_CORNER = 0.38;

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

  // One pre-rendered sprite per (status class, colour, kind), kept as the list of its
  // non-transparent pixels (opaque ones first) with their offsets in a canvas row of
  // width W: stamping it is then one store per pixel, no per-row arithmetic. The key is
  // ((status class * nPal) + colour) * N_KINDS + kind; units.js caches the results.
  function unitSprite(key, nPal, r, dpr, W) {
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
    return { offs: offs, vals: vals, dx: dxs, dy: dys, nOpaque: opaque.length, half: half, size: size };
  }

  shared.N_CLASSES = N_CLASSES;
  shared.VEHICLE_HALF = VEHICLE_HALF;
  shared.blend = blend;
  shared.unitSprite = unitSprite;
})();
