// Popups, tooltips and clicks for the folium maps. Text goes into the page with textContent
// only, never as HTML, so names from files cannot become markup.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function isSafeLocalUrl(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.indexOf("\\") === -1;
  }

  window.mapapp = {
    bindResource: function (feature, layer) {
      var p = feature.properties || {};
      layer.options.title = p.name || "";
      layer.options.alt = (p.kind ? p.kind + "：" : "") + (p.name || "");
      layer.bindTooltip(el("span", "", p.name || ""), { direction: "top", offset: [0, -16] });
      layer.bindPopup(function () {
        var box = el("div", "popup");
        box.appendChild(el("p", "popup-kind", p.kind || ""));
        var title = el("p", "popup-name");
        if (isSafeLocalUrl(p.url)) {
          var link = el("a", "", p.name || "");
          link.href = p.url;
          title.appendChild(link);
        } else {
          title.textContent = p.name || "";
        }
        box.appendChild(title);
        if (p.when) { box.appendChild(el("p", "popup-when", p.when)); }
        if (p.distance) { box.appendChild(el("p", "popup-distance", p.distance)); }
        return box;
      });
    },

    // A group of markers drawn as one circle with how many places it holds.
    clusterIcon: function (cluster) {
      var box = el("span", "map-cluster-inner");
      box.appendChild(el("span", "", String(cluster.getChildCount())));
      box.appendChild(el("span", "visually-hidden", "か所（押すと広がります）"));
      return L.divIcon({ html: box, className: "map-cluster", iconSize: [48, 48] });
    },

    bindArea: function (feature, layer) {
      var p = feature.properties || {};
      layer.bindTooltip(el("span", "", p.name || ""), p.label
        ? { permanent: true, direction: "center", className: "area-label" }
        : { sticky: true });
      if (isSafeLocalUrl(p.url)) {
        layer.on("click", function () { window.location.href = p.url; });
      }
    }
  };

  // Area names written on the map: where two would overlap (a phone, many small areas), the
  // later one is hidden until zooming in makes room.
  function declutter(container) {
    var kept = [];
    container.querySelectorAll(".leaflet-tooltip.area-label").forEach(function (label) {
      label.style.visibility = "";
      var box = label.getBoundingClientRect();
      var clash = kept.some(function (other) {
        return box.left < other.right && box.right > other.left &&
          box.top < other.bottom && box.bottom > other.top;
      });
      if (clash) { label.style.visibility = "hidden"; } else { kept.push(box); }
    });
  }

  // Controls in Japanese, large enough to tap; a scale in metres only; a small credit.
  function dress(node, m) {
    if (m.attributionControl) { m.attributionControl.setPrefix("Leaflet"); }
    L.control.zoom({ zoomInTitle: "拡大", zoomOutTitle: "縮小" }).addTo(m);
    L.control.scale({ imperial: false, maxWidth: 120 }).addTo(m);
    node.querySelectorAll(".leaflet-control-zoom a").forEach(function (a) {
      a.setAttribute("aria-label", a.getAttribute("title"));
    });
    declutter(node);
    m.on("zoomend moveend", function () { declutter(node); });
    node.setAttribute("data-map-ready", "1");
  }

  // After the page (and folium's inline script) has run: controls, clicks, the locate button.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(function (node) {
      var m = window[node.getAttribute("data-map")];
      if (m) { dress(node, m); }
    });
    var wrap = document.querySelector("[data-map-click]");
    var target = wrap && wrap.getAttribute("data-map-click");
    var map = wrap && window[wrap.getAttribute("data-map")];
    if (map && isSafeLocalUrl(target)) {
      map.on("click", function (event) {
        window.location.href = target + "?lat=" + event.latlng.lat.toFixed(6) + "&lon=" + event.latlng.lng.toFixed(6) + "#results";
      });
    }
    var locate = document.getElementById("locate");
    if (locate && navigator.geolocation && isSafeLocalUrl(target)) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        locate.textContent = "現在地を調べています…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          window.location.href = target + "?lat=" + pos.coords.latitude.toFixed(6) + "&lon=" + pos.coords.longitude.toFixed(6) + "#results";
        }, function () {
          locate.disabled = false;
          locate.textContent = "現在地から探す";
          var status = document.getElementById("locate-status");
          if (status) { status.textContent = "現在地がわかりませんでした。町名を選ぶか、地図の上で場所を選んでください。"; }
        }, { timeout: 15000 });
      });
    }
  });
})();
