/* Signature pad: draw with finger, pen or mouse (pointer events) on every [data-signature-pad].
 * "Undo stroke" removes the last stroke, "Clear" starts again.  On submit the drawing is exported as a
 * PNG data URL into the pad's hidden input (empty when nothing is drawn); the server validates it.
 * No inline script (CSP): loaded with <script src>. */
(function () {
  "use strict";

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("input[type=hidden]");
    var status = pad.querySelector("[data-status]");
    var context = canvas.getContext("2d");
    var strokes = [];
    var current = null;
    var restored = null;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    }

    function redraw() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      if (restored) { context.drawImage(restored, 0, 0); }
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#000";
      strokes.forEach(function (stroke) {
        context.beginPath();
        context.moveTo(stroke[0][0], stroke[0][1]);
        stroke.forEach(function (p) { context.lineTo(p[0], p[1]); });
        if (stroke.length === 1) { context.lineTo(stroke[0][0] + 0.5, stroke[0][1] + 0.5); }
        context.stroke();
      });
      if (status) {
        status.textContent = (strokes.length || restored) ? "Signed (" + strokes.length + " stroke" + (strokes.length === 1 ? "" : "s") + (restored ? ", kept from before" : "") + ")" : "Not signed yet";
      }
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) { return; }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      events.forEach(function (e) { current.push(point(e)); });
      redraw();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { current = null; });
    });

    pad.querySelector("[data-clear]").addEventListener("click", function () {
      strokes = [];
      restored = null;
      input.value = "";
      redraw();
    });
    pad.querySelector("[data-undo]").addEventListener("click", function () {
      if (strokes.length) { strokes.pop(); } else { restored = null; input.value = ""; }
      redraw();
    });

    if (input.value) {
      var image = new Image();
      image.onload = function () { restored = image; redraw(); };
      image.src = input.value;
    }

    var form = pad.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        input.value = (strokes.length || restored) ? canvas.toDataURL("image/png") : "";
      });
    }
    redraw();
  }

  function toggleAssent() {
    var select = document.querySelector("[data-assent-outcome]");
    if (!select) { return; }
    function apply() {
      document.querySelectorAll("[data-assent-show]").forEach(function (block) {
        block.hidden = block.getAttribute("data-assent-show").split(" ").indexOf(select.value) < 0;
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
    toggleAssent();
  });
}());
