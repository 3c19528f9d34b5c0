// The acceptance receipt (受理回执): print through the browser's dialog.
// Opened by the counter console with #print, it opens the dialog at once.
"use strict";
(function () {
  const btn = document.getElementById("receipt-print");
  if (btn) btn.addEventListener("click", () => window.print());
  if (location.hash === "#print") window.addEventListener("load", () => window.print());
})();
