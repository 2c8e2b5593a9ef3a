// "Copier" buttons: a button with data-copy-target="ID" copies the text of element #ID to the
// clipboard and says so in its status element (data-copy-status="ID"). The buttons are rendered
// `hidden` and shown here: without JavaScript (or without the Clipboard API) the text stays
// selectable and nothing promises a copy that cannot happen.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.dataset.copyTarget);
    var status = document.getElementById(button.dataset.copyStatus);
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () { if (status) status.textContent = button.dataset.copiedText; },
        function () { if (status) status.textContent = button.dataset.failedText; }
      );
    });
  });
})();
