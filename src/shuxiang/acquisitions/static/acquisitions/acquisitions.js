/* Acquisitions pages: a <select data-autosubmit> sends its form as soon as it changes
   (the year on the overview page). No inline handlers: the CSP allows scripts from
   the app's own files only. */
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
})();
