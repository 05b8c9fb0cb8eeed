/*
 * Where the map looks: fitting the district, explicit views, following an officer.
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page, commands = shared.commands;

  // ---- follow -------------------------------------------------------------------------------

  function followStep() {
    var slot = store.slotOf.get(page.following);
    if (slot === undefined || store.lat[slot] !== store.lat[slot]) return;
    var c = wf.map.getCenter();
    if (Math.abs(c.lat - store.lat[slot]) < 1e-9 && Math.abs(c.lng - store.lon[slot]) < 1e-9) return;
    wf.map.panTo([store.lat[slot], store.lon[slot]], { animate: false });
  }

  function setFollowing(id) {
    if (page.following === id) return;
    page.following = id;
    if (page.bridge) page.bridge.followChanged(id || "");
    if (id !== null) followStep();
  }

  // A fit waiting for the view's first real size must not undo a later explicit view.
  function cancelPendingFit() { wf.map.off("resize", commands.fitWucheng); }

  commands.fitWucheng = function () {
    cancelPendingFit();
    var size = wf.map.getSize();
    if (size.x === 0 || size.y === 0) {
      // A page laid out before its view is shown has no size: fitting now would give
      // a NaN centre. Fit once the view gets its real size.
      wf.map.once("resize", commands.fitWucheng);
      return;
    }
    wf.map.fitBounds(wf.wuchengBounds, { padding: [24, 24], animate: false });
  };
  commands.setView = function (args) {
    cancelPendingFit();
    wf.map.setView([args.lat, args.lon], args.zoom, { animate: false });
  };
  commands.followUnit = function (args) {
    if (args.id) cancelPendingFit();
    if (args.id && args.zoom) {
      var s = store.slotOf.get(args.id);
      if (s !== undefined && store.lat[s] === store.lat[s]) {
        wf.map.setView([store.lat[s], store.lon[s]], args.zoom, { animate: false });
      }
    }
    setFollowing(args.id || null);
  };

  shared.followStep = followStep;
  shared.setFollowing = setFollowing;
  shared.cancelPendingFit = cancelPendingFit;
})();
