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

  // After the page (and folium's inline script) has run: clicks and the locate button.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(function (node) {
      var m = window[node.getAttribute("data-map")];
      if (m && m.attributionControl) { m.attributionControl.setPrefix("Leaflet"); }
    });
    var wrap = document.querySelector("[data-map-click]");
    var target = wrap && wrap.getAttribute("data-map-click");
    var map = wrap && window[wrap.getAttribute("data-map")];
    if (map && isSafeLocalUrl(target)) {
      map.on("click", function (event) {
        window.location.href = target + "?lat=" + event.latlng.lat.toFixed(6) + "&lon=" + event.latlng.lng.toFixed(6);
      });
    }
    var locate = document.getElementById("locate");
    if (locate && navigator.geolocation && isSafeLocalUrl(target)) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        locate.textContent = "現在地を調べています…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          window.location.href = target + "?lat=" + pos.coords.latitude.toFixed(6) + "&lon=" + pos.coords.longitude.toFixed(6);
        }, function () {
          locate.disabled = false;
          locate.textContent = "現在地から探す";
          var status = document.getElementById("locate-status");
          if (status) { status.textContent = "現在地がわかりませんでした。地図をクリックするか、町名を選んでください。"; }
        }, { timeout: 15000 });
      });
    }
  });
})();
