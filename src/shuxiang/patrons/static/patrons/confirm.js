// A form with data-confirm asks before it is sent: the message is the attribute's text
// (translated in the template). A script file, since the pages allow no inline script.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) event.preventDefault();
});
