/* Enhancements only: every patient page works without this script. */
(function () {
  "use strict";

  // GOV.UK error summary: move focus to it so screen readers announce the problem.
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  // "None of these" options: choosing one unticks the others, and back.
  document.querySelectorAll("[data-exclusive-group]").forEach(function (group) {
    group.addEventListener("change", function (event) {
      var box = event.target;
      if (!box || box.type !== "checkbox" || !box.checked) return;
      var exclusive = box.hasAttribute("data-exclusive");
      group.querySelectorAll("input[type=checkbox]").forEach(function (other) {
        if (other === box) return;
        if (exclusive || other.hasAttribute("data-exclusive")) other.checked = false;
      });
    });
  });

  // A second click on "Send" does nothing (the server also submits only once).
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    });
  });
})();
