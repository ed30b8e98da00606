// The staff edit form: a map to set the point (click or drag the marker; typing 緯度・経度
// moves it), and the schedule read back in words as it is typed. Text from the server goes
// into the page with textContent only.
(function () {
  "use strict";

  function number(input) {
    var value = parseFloat((input.value || "").replace(/[０-９．]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }));
    return isFinite(value) ? value : null;
  }

  function setUpMap() {
    var box = document.getElementById("edit-map");
    var latInput = document.getElementById("f-lat");
    var lonInput = document.getElementById("f-lon");
    if (!box || !latInput || !lonInput || typeof L === "undefined") { return; }
    var lat = number(latInput), lon = number(lonInput);
    var start = lat !== null && lon !== null ? [lat, lon] : [35.68, 139.76];
    var map = L.map(box, { zoomControl: true }).setView(start, lat !== null ? 16 : 5);
    var bounds = (box.dataset.bounds || "").split(",").map(parseFloat);
    if ((lat === null || lon === null) && bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);  // the town, for a new place
    }
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var marker = null;
    function place(latlng, pan) {
      if (!marker) {
        var what = box.dataset.marker || "資源の場所";
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: what + "（動かせます）", alt: what }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) { map.panTo(latlng); }
    }
    function write(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
      latInput.dispatchEvent(new Event("change"));
    }
    if (lat !== null && lon !== null) { place(start, false); }
    map.on("click", function (event) { place(event.latlng, false); write(event.latlng); });
    function typed() {
      var a = number(latInput), b = number(lonInput);
      if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) { place([a, b], true); }
    }
    latInput.addEventListener("input", typed);
    lonInput.addEventListener("input", typed);
    box.dataset.ready = "1";
  }

  function setUpReading() {
    var textInput = document.getElementById("f-schedule_text");
    var closedInput = document.getElementById("f-closed_text");
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!textInput || !token) { return; }
    var rules = document.getElementById("reading-rules");
    var next = document.getElementById("reading-next");
    var review = document.getElementById("reading-review");
    var none = document.getElementById("reading-none");
    var timer = null;
    function fill(list, items, prefix) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      items.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = prefix + text;
        list.appendChild(li);
      });
    }
    function ask() {
      fetch("/api/staff/schedule-reading", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token.content },
        body: JSON.stringify({ schedule_text: textInput.value, closed_text: closedInput ? closedInput.value : "" })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (reading) {
        if (!reading) { return; }
        fill(rules, reading.rules.concat(reading.notes), "");
        next.textContent = reading.next_dates.length ? "次回: " + reading.next_dates.join("、") : "";
        fill(review, reading.review, "要確認: ");
        if (none) { none.hidden = reading.rules.length > 0 || reading.review.length > 0; }
      }).catch(function () { /* the saved page shows the reading again */ });
    }
    function later() { clearTimeout(timer); timer = setTimeout(ask, 400); }
    textInput.addEventListener("input", later);
    if (closedInput) { closedInput.addEventListener("input", later); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMap();
    setUpReading();
  });
}());
