/* Waiting-room tablet: warn after a while without input, then wipe.
   The server enforces the wipe too (it checks the session's last use on every request);
   this script tells it about input that does not make a request, and shows the warning. */
(function () {
  "use strict";
  var dialog = document.getElementById("idle-dialog");
  if (!dialog) return;
  var warnAfter = Number(dialog.dataset.idleWarning) * 1000;
  var wipeAfter = Number(dialog.dataset.idleWipe) * 1000;
  var aliveUrl = dialog.dataset.aliveUrl;
  var timeoutUrl = dialog.dataset.timeoutUrl;
  var csrf = dialog.dataset.csrf;
  var PING_EVERY = 15000;
  var lastInput = Date.now();
  var lastPing = Date.now();

  function wipe() {
    window.location.replace(timeoutUrl);
  }

  function ping(force) {
    if (!aliveUrl) return;
    var now = Date.now();
    if (!force && now - lastPing < PING_EVERY) return;
    lastPing = now;
    fetch(aliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
    }).then(function (response) {
      if (response.status === 409) wipe();
    }).catch(function () { /* offline: the server wipes on the next request */ });
  }

  function activity() {
    if (dialog.open) return; // only the button dismisses the warning
    lastInput = Date.now();
    ping(false);
  }

  ["pointerdown", "keydown", "input", "wheel", "touchstart", "scroll"].forEach(function (name) {
    window.addEventListener(name, activity, { passive: true, capture: true });
  });

  dialog.querySelector("[data-idle-dismiss]").addEventListener("click", function () {
    dialog.close();
    lastInput = Date.now();
    ping(true);
  });
  dialog.addEventListener("cancel", function (event) {
    // Escape also means "I am still here".
    event.preventDefault();
    dialog.close();
    lastInput = Date.now();
    ping(true);
  });

  window.setInterval(function () {
    var idle = Date.now() - lastInput;
    if (idle >= wipeAfter) {
      wipe();
    } else if (idle >= warnAfter && !dialog.open) {
      dialog.showModal();
    }
  }, 500);

  // Pages restored from the back/forward cache must not outlive a wipe.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });
})();
