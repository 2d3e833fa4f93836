// A receipt opened to be printed prints itself once the page has loaded.
window.addEventListener("load", function () { window.print(); });
