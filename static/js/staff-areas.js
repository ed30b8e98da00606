// The area preview map: the areas a boundary file would give, coloured by what happens to
// each (new, changed, the same, removed). Names go in with textContent only.
(function () {
  "use strict";
  var box = document.getElementById("area-map");
  var data = document.getElementById("area-map-data");
  if (!box || !data || typeof L === "undefined") { return; }
  var shapes = JSON.parse(data.textContent);
  if (!shapes.features || !shapes.features.length) { return; }
  while (box.firstChild) { box.removeChild(box.firstChild); }
  var styles = {
    "new": { color: "#1b5e20", weight: 4, fillOpacity: 0.15 },
    "changed": { color: "#0d47a1", weight: 4, fillOpacity: 0.15 },
    "same": { color: "#616161", weight: 2, fillOpacity: 0.05 },
    "removed": { color: "#b71c1c", weight: 3, dashArray: "8 6", fillOpacity: 0.05 }
  };
  var map = L.map(box, { zoomSnap: 1 });
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }
  var layer = L.geoJSON(shapes, {
    style: function (feature) { return styles[feature.properties.status] || styles.same; },
    onEachFeature: function (feature, shape) {
      var label = document.createElement("span");
      label.textContent = feature.properties.name + "（" + feature.properties.label + "）";
      shape.bindTooltip(label, { sticky: true });
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds());
  // A phone turned sideways, or a window made narrower: every area stays in view.
  window.addEventListener("resize", function () {
    map.invalidateSize();
    map.fitBounds(layer.getBounds());
  });
  map.zoomControl.getContainer().querySelectorAll("a").forEach(function (link) {
    link.title = link.classList.contains("leaflet-control-zoom-in") ? "拡大" : "縮小";
  });
  box.dataset.ready = "1";
})();
