// Adverse-event page: after a CTCAE term is chosen, offer only its defined grades and show their
// definitions.  The server refuses undefined grades anyway; this only spares the user the round trip.
(function () {
  "use strict";
  var term = document.getElementById("AETERM");
  var grade = document.getElementById("AETOXGR");
  var panel = document.getElementById("grade-definitions");
  if (!term || !grade || !panel) { return; }
  var list = document.getElementById("grade-list");
  var gradeField = grade.closest(".field");
  if (gradeField) { gradeField.after(panel); }
  function show(data) {
    var grades = (data && data.grades) || {};
    Array.prototype.forEach.call(grade.options, function (option) {
      var defined = option.value === "" || Object.prototype.hasOwnProperty.call(grades, option.value);
      option.disabled = !defined;
      option.hidden = !defined;
    });
    if (grade.value && grade.options[grade.selectedIndex].disabled) { grade.value = ""; }
    list.textContent = "";
    Object.keys(grades).sort().forEach(function (g) {
      var dt = document.createElement("dt"); dt.textContent = "Grade " + g;
      var dd = document.createElement("dd"); dd.textContent = grades[g];
      list.appendChild(dt); list.appendChild(dd);
    });
    panel.querySelector("h2").textContent = "Grades defined for " + (data && data.term ? data.term : "the chosen term");
  }
  function refresh() {
    if (!term.value) { show({}); return; }
    fetch(panel.dataset.gradesUrl + "?term=" + encodeURIComponent(term.value), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {}; }).then(show).catch(function () { show({}); });
  }
  term.addEventListener("change", refresh);
  if (term.value) { refresh(); }
}());
