/* Serials pages: a <select data-autosubmit> sends its form when it changes; the
   check-in scan field keeps the focus after each scan; "select all" ticks the issue
   boxes on the binding page. No inline handlers: the CSP allows the app's files only. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
    if (el.matches && el.matches("input[data-check-all]")) {
      var boxes = document.querySelectorAll("input[name=issue]");
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = el.checked;
    }
  });
  var scan = document.querySelector("input[data-scan]");
  if (scan) scan.focus();
})();
