// The summary's "Copy for the record" button: fetch the plain text from the
// audited view (a POST, so the audit row is written when the text leaves the
// server) and put it on the clipboard. If the browser refuses the clipboard,
// the text is shown, selected, in a read-only box to copy by hand. Without
// JavaScript the button opens the same text on its own page.
(function () {
  "use strict";
  const form = document.querySelector("form.copy-record");
  if (!form) return;
  const status = document.querySelector(".copy-status");
  const fallback = document.querySelector(".copy-fallback");
  const box = document.getElementById("record-text");

  function fetchText() {
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.dataset.csrf },
    }).then(function (reply) {
      if (!reply.ok) throw new Error("HTTP " + reply.status);
      return reply.text();
    });
  }

  function showByHand(text) {
    box.value = text;
    fallback.hidden = false;
    box.focus();
    box.select();
    status.textContent = form.dataset.failed;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = "";
    const text = fetchText();
    let copied;
    if (navigator.clipboard && window.ClipboardItem) {
      // A ClipboardItem built from a promise keeps the click's permission
      // while the text is fetched (Safari refuses a write after an await).
      const blob = text.then(function (t) { return new Blob([t], { type: "text/plain" }); });
      copied = navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
    } else if (navigator.clipboard) {
      copied = text.then(function (t) { return navigator.clipboard.writeText(t); });
    } else {
      copied = Promise.reject(new Error("no clipboard"));
    }
    copied.then(function () {
      return text.then(function (t) {
        box.value = t;
        status.textContent = form.dataset.copied;
      });
    }).catch(function () {
      text.then(showByHand).catch(function () { form.submit(); });
    });
  });
})();
