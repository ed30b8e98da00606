// 文字を大きく: a switch kept in localStorage. Without JavaScript the browser's own zoom works.
(function () {
  "use strict";
  var KEY = "mapapp-large-text";
  try {
    if (window.localStorage.getItem(KEY) === "1") {
      document.documentElement.classList.add("large-text");
    }
  } catch (e) { /* storage may be off on shared PCs */ }
  document.addEventListener("DOMContentLoaded", function () {
    // Lists land on their results (#results): move the focus there for screen readers too.
    if (window.location.hash === "#results") {
      var results = document.getElementById("results");
      if (results) { results.focus({ preventScroll: true }); }
    }
    // Paper shows every group of a list, folded or not.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.kind-group").forEach(function (d) { d.open = true; });
    });
    var printNow = document.getElementById("print-now");
    if (printNow) {
      printNow.hidden = false;
      printNow.addEventListener("click", function () { window.print(); });
    }
    document.documentElement.setAttribute("data-ready", "1");
    var button = document.getElementById("text-size");
    if (!button) { return; }
    var sync = function () {
      var on = document.documentElement.classList.contains("large-text");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "文字を元の大きさに" : "文字を大きく";
    };
    button.hidden = false;
    sync();
    button.addEventListener("click", function () {
      var on = document.documentElement.classList.toggle("large-text");
      try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* ignore */ }
      sync();
    });
  });
})();
