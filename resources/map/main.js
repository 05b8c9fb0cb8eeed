/*
 * The page's entry point, watchfloor.init(map, config), called by the page once every
 * script has loaded: panes, layers, clicks, the once-a-second incident clock, and the
 * QWebChannel bridge (meta, frame and command in; pageReady, framePainted, entityClicked
 * and followChanged out).
 */
(function () {
  "use strict";

  var wf = window.watchfloor, shared = wf.shared;
  var store = shared.store, page = shared.page, commands = shared.commands;

  wf.init = function (map, config) {
    wf.map = map;
    wf.config = config;
    wf.wuchengBounds = L.latLngBounds(config.wucheng);
    shared.trails.olat = config.origin[0];
    shared.trails.olon = config.origin[1];
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
    shared.merchants.visible = config.merchants !== false;
    page.merchantLayer = new shared.MerchantCanvas({ pane: "wfMerchants" });
    page.trailLayer = new shared.TrailCanvas({ pane: "wfTrails" });
    map.addLayer(page.trailLayer);
    if (config.unitRenderer === "markers") {
      page.layer = new shared.MarkerBaseline(map, "wfUnits");
    } else {
      page.layer = new shared.UnitCanvas({ pane: "wfUnits" });
      map.addLayer(page.layer);
    }
    L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 160 }).addTo(map);
    commands.fitWucheng();
    if (config.trails) commands.setTrails(config.trails);
    map.on("click", function (e) {
      // Officers are drawn above merchants: they win a click on both.
      var slot = page.layer.hitTest(e.containerPoint);
      if (slot >= 0) {
        wf.lastClick = store.ids[slot];
        if (page.bridge) page.bridge.entityClicked("unit", store.ids[slot]);
        return;
      }
      var m = page.merchantLayer.hitTest(e.containerPoint);
      var merchants = shared.merchants;
      wf.lastClick = m >= 0 ? merchants.ids[m] : null;
      if (m >= 0 && page.bridge) page.bridge.entityClicked("merchant", merchants.ids[m]);
    });
    map.on("zoomend", shared.recluster);
    // Any hand on the map ends following: the operator wants to look elsewhere.
    map.on("dragstart", function () { shared.setFollowing(null); });
    setInterval(shared.tickIncidents, 1000);
    if (window.qt && window.qt.webChannelTransport) {
      new QWebChannel(window.qt.webChannelTransport, function (channel) {
        var bridge = (page.bridge = channel.objects.bridge);
        bridge.meta.connect(function (text) { shared.applyMeta(JSON.parse(text)); });
        bridge.frame.connect(function (text) { shared.applyFrame(JSON.parse(text)); });
        bridge.command.connect(function (text) { shared.runCommand(JSON.parse(text)); });
        bridge.pageReady();
      });
    }
  };
})();
