/*
 * The bridge's meta and frame messages into the officers' store (core.js), and one paint
 * per display frame however many batches came in, reported back with framePainted.
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page, trails = shared.trails;
  var KIND_OFFICER = shared.KIND_OFFICER, KIND_VEHICLE = shared.KIND_VEHICLE;
  var decodeBase64 = shared.decodeBase64, grow = shared.grow, paletteSlot = shared.paletteSlot;
  var nowSeconds = shared.nowSeconds;
  var trailsAllocate = shared.trailsAllocate, trailsReset = shared.trailsReset;
  var trailSample = shared.trailSample;

  // Status name -> draw class. Later classes are drawn on top: an officer in trouble must
  // never be hidden under an idle colleague.
  var STATUS_CLASS = {
    off_duty: 0, offline: 0,
    unknown: 1, on_duty: 1, available: 1, patrol: 1, patrolling: 1,
    busy: 2, dispatched: 2, en_route: 2, on_scene: 2, handling: 2,
    sos: 3, emergency: 3, alarm: 3
  };

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
    shared.refreshAlerts(); // a ring's officer may have left the roster
    if (page.layer && page.layer.metaChanged) page.layer.metaChanged(meta);
    page.needUnitDraw = true;
    if (page.trailLayer) page.trailLayer.requestRedraw(true);
    scheduleDraw();
  }

  function applyStatuses(names) {
    store.statuses = names;
    store.statusClass = new Uint8Array(names.length);
    for (var i = 0; i < names.length; i++) {
      var c = STATUS_CLASS[names[i]];
      store.statusClass[i] = c === undefined ? 1 : c;
    }
    page.needUnitDraw = true;
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
    var view = page.layer ? page.layer.viewBox() : null, visibleChange = page.needUnitDraw || !view;
    var inView = page.layer ? page.layer._inView : null;
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
    if (page.layer && page.layer.applied) page.layer.applied(idx, count);
    store.batches += 1;
    store.lastSeq = frame.seq;
    store.lastApplyMs = performance.now() - t0;
    if (visibleChange) page.needUnitDraw = true; else store.skippedRedraws += 1;
    if (page.following !== null) shared.followStep();
    shared.refreshAlerts();
    if (trails.dirty && page.trailLayer) page.trailLayer.requestRedraw(false);
    scheduleDraw();
  }

  // All drawing happens in one requestAnimationFrame callback however many batches came
  // in since the last frame: the display cannot show more than one anyway.
  function scheduleDraw() {
    if (page.drawQueued || !page.layer) return;
    page.drawQueued = true;
    requestAnimationFrame(function () {
      page.drawQueued = false;
      if (page.needUnitDraw) {
        page.needUnitDraw = false;
        page.layer.redraw();
      }
      if (page.bridge && store.paintedSeq !== store.lastSeq) {
        store.paintedSeq = store.lastSeq;
        page.bridge.framePainted(store.lastSeq, store.lastApplyMs, store.lastDrawMs);
      }
    });
  }

  shared.applyMeta = applyMeta;
  shared.applyFrame = applyFrame;

  wf.stats = function () {
    return {
      count: store.count, batches: store.batches, lastSeq: store.lastSeq,
      lastApplyMs: store.lastApplyMs, lastDrawMs: store.lastDrawMs,
      redraws: store.redraws, skippedRedraws: store.skippedRedraws,
      zoom: wf.map ? wf.map.getZoom() : null, following: page.following
    };
  };
})();
