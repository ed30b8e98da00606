// Staff file pages: a form that sends a file or starts an import says so while the request
// runs (「取り込み中です」), and is not sent twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.matches || !form.matches("form[data-busy]")) { return; }
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var note = form.querySelector(".busy-note");
    if (note) {
      note.textContent = note.getAttribute("data-busy-text") || form.dataset.busy;
      note.classList.add("busy");
    }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.setAttribute("aria-disabled", "true"); }
  });
  // Coming back to the page (the browser's back button) makes the form usable again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
      form.dataset.sent = "";
    });
  });
})();
