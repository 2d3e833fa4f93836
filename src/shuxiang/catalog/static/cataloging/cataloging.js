/* The cataloging form: ISBN check and lookup, the CLC picker (search by number, caption
   or pinyin), the suggested call number (种次号) and the copy rows. No libraries. */
(function () {
  "use strict";

  var form = document.getElementById("catalog-form");
  if (!form) return;
  var t = form.dataset;

  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status === 200) {
        try { done(JSON.parse(xhr.responseText)); } catch (e) { /* ignore a broken answer */ }
      }
    };
    xhr.send();
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* -- ISBN ------------------------------------------------------------------------- */
  var isbn = document.getElementById("isbn");
  var isbnStatus = document.getElementById("isbn-status");
  var existing = document.getElementById("isbn-existing");
  var copyLink = document.getElementById("copy-link");
  function checkIsbn() {
    var value = isbn.value.trim();
    existing.hidden = true;
    isbnStatus.className = "isbn-status";
    isbnStatus.textContent = "";
    if (!value) return;
    getJSON(t.isbnUrl + "?isbn=" + encodeURIComponent(value), function (data) {
      if (!data.valid) {
        isbnStatus.className = "isbn-status bad";
        isbnStatus.textContent = data.message || "✗";
        return;
      }
      isbnStatus.className = "isbn-status good";
      isbnStatus.textContent = "✓ " + data.hyphenated;
      if (copyLink) copyLink.href = copyLink.href.split("?")[0] + "?isbn=" + encodeURIComponent(data.isbn13);
      if (data.bib) {
        existing.textContent = "";
        existing.appendChild(document.createTextNode(t.tExisting + "《" + data.bib.title + "》 " +
          (data.bib.responsibility || "") + " · " + t.tCopies + " " + data.bib.copies +
          (data.bib.call_number ? " · " + data.bib.call_number : "") + " "));
        var a = el("a", "button", t.tAdd);
        a.href = data.bib.url;
        existing.appendChild(a);
        existing.hidden = false;
      }
    });
  }
  if (isbn) {
    isbn.addEventListener("change", checkIsbn);
    isbn.addEventListener("keydown", function (e) {
      // A scanner ends with Enter: check the number instead of submitting the form.
      if (e.key === "Enter") { e.preventDefault(); checkIsbn(); var title = form.querySelector("[name=title]"); if (title) title.focus(); }
    });
    if (isbn.value) checkIsbn();
  }

  /* -- call number ---------------------------------------------------------------------- */
  var call = document.getElementById("call_number");
  var callAuto = document.getElementById("call_number_auto");
  if (call && !call.readOnly) {
    call.addEventListener("input", function () { callAuto.value = call.value ? "0" : "1"; });
  }
  function suggestCall(number) {
    if (!call || call.readOnly || callAuto.value !== "1") return;
    getJSON(t.callUrl + "?clc=" + encodeURIComponent(number), function (data) {
      if (callAuto.value === "1") call.value = data.call_number || "";
    });
  }

  /* -- the CLC picker ------------------------------------------------------------------- */
  var clc = document.getElementById("clc");
  var list = document.getElementById("clc-list");
  var clcStatus = document.getElementById("clc-status");
  var active = -1;
  function closeList() { list.hidden = true; clc.setAttribute("aria-expanded", "false"); active = -1; }
  function choose(code) {
    clc.value = code;
    closeList();
    validate();
    suggestCall(code);
  }
  function highlight(index) {
    var options = list.querySelectorAll("li[data-code]");
    if (!options.length) return;
    active = (index + options.length) % options.length;
    for (var i = 0; i < options.length; i++) options[i].classList.toggle("active", i === active);
    options[active].scrollIntoView({ block: "nearest" });
  }
  function show(results) {
    list.textContent = "";
    if (!results.length) {
      list.appendChild(el("li", "empty", t.tNone));
    }
    results.forEach(function (item) {
      var li = el("li", "level" + Math.min(item.level, 4));
      li.dataset.code = item.code;
      li.setAttribute("role", "option");
      li.appendChild(el("b", "code", item.code));
      li.appendChild(el("span", "name", item.name));
      if (item.path) li.appendChild(el("span", "path", item.path));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(item.code); });
      list.appendChild(li);
    });
    list.hidden = false;
    clc.setAttribute("aria-expanded", "true");
    active = -1;
  }
  function validate() {
    var value = clc.value.trim();
    if (!value) { clcStatus.textContent = ""; clcStatus.className = "clc-status"; return; }
    getJSON(t.clcUrl + "?limit=1&q=" + encodeURIComponent(value), function (data) {
      if (data.valid) {
        clcStatus.className = "clc-status good";
        clcStatus.textContent = "✓ " + (data.caption || "") + (data.listed ? "" : " (" + t.tListed + ")");
      } else {
        clcStatus.className = "clc-status bad";
        clcStatus.textContent = data.message || "";
      }
    });
  }
  var searchClc = debounce(function () {
    getJSON(t.clcUrl + "?q=" + encodeURIComponent(clc.value.trim()), function (data) {
      if (data.query === clc.value.trim()) show(data.results);
    });
  }, 150);
  if (clc) {
    clc.addEventListener("input", function () { searchClc(); });
    clc.addEventListener("focus", function () { searchClc(); });
    clc.addEventListener("blur", function () { setTimeout(closeList, 100); validate(); if (clc.value.trim()) suggestCall(clc.value.trim()); });
    clc.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter") {
        var options = list.querySelectorAll("li[data-code]");
        if (active >= 0 && options[active]) { e.preventDefault(); choose(options[active].dataset.code); }
        else { e.preventDefault(); closeList(); validate(); suggestCall(clc.value.trim()); }
      } else if (e.key === "Escape") { closeList(); }
    });
    if (clc.value) { validate(); suggestCall(clc.value.trim()); }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".clc-pick"), function (button) {
    button.addEventListener("click", function () { clc.value = button.dataset.code; clc.focus(); searchClc(); });
  });

  /* -- copies -------------------------------------------------------------------------------- */
  var table = document.getElementById("copies");
  if (!table) return; /* the record's edit form has no copy rows */
  var body = table.querySelector("tbody");
  var pool = (table.dataset.nextBarcodes || "").split(",").filter(Boolean);
  function used() {
    return Array.prototype.map.call(body.querySelectorAll("input[name=copy_barcode]"), function (i) { return i.value.trim(); });
  }
  function renumber() {
    Array.prototype.forEach.call(body.querySelectorAll("tr"), function (row, i) { row.querySelector(".n").textContent = i + 1; });
  }
  document.getElementById("add-copy").addEventListener("click", function () {
    var rows = body.querySelectorAll("tr");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    var taken = used();
    var next = pool.filter(function (code) { return taken.indexOf(code) < 0; })[0] || "";
    row.querySelector("input[name=copy_barcode]").value = next;
    // The new copy keeps the previous one's location, type and price.
    var selects = last.querySelectorAll("select"), copies = row.querySelectorAll("select");
    for (var i = 0; i < selects.length; i++) copies[i].value = selects[i].value;
    body.appendChild(row);
    renumber();
    row.querySelector("input[name=copy_barcode]").focus();
  });
  body.addEventListener("click", function (e) {
    if (!e.target.classList.contains("remove-copy")) return;
    if (body.querySelectorAll("tr").length > 1) { e.target.closest("tr").remove(); renumber(); }
  });
  body.addEventListener("keydown", function (e) {
    // A scanned barcode ends with Enter: move to the next copy instead of submitting.
    if (e.key === "Enter" && e.target.name === "copy_barcode") {
      e.preventDefault();
      var inputs = body.querySelectorAll("input[name=copy_barcode]");
      var index = Array.prototype.indexOf.call(inputs, e.target);
      if (inputs[index + 1]) inputs[index + 1].focus();
    }
  });
})();
