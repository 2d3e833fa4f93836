/* The stocktake scan page. A keyboard-wedge or Bluetooth scanner types into the scan
   field and presses Enter; each barcode goes into a queue kept in this browser
   (localStorage, per stocktake and login) and is sent from there, so scans made while
   the network is gone are sent when it is back. The server counts a barcode once per
   stocktake, so a batch re-sent after a lost answer counts nothing twice. No inline
   handlers: the CSP allows the app's files only. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var field = document.getElementById("scan-code");
  var where = document.getElementById("scan-location");
  var answer = document.getElementById("scan-answer");
  var queueNote = document.getElementById("scan-queue");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var url = form.getAttribute("data-scans-url");
  var key = "shuxiang-stocktake-" + form.getAttribute("data-stocktake") + "-" + form.getAttribute("data-user");
  var shape = /^[A-Za-z0-9-]{1,40}$/;
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(key, JSON.stringify(queue)); }
  function showQueue(queue, offline) {
    if (queue.length && offline) {
      queueNote.textContent = form.getAttribute("data-text-queued").replace("%(n)s", queue.length);
      queueNote.hidden = false;
    } else if (queue.length) {
      queueNote.textContent = form.getAttribute("data-text-sending");
      queueNote.hidden = false;
    } else {
      queueNote.hidden = true;
    }
  }
  function say(text, bad) {
    answer.textContent = text;
    answer.className = bad ? "bad" : "muted";
  }

  function flush() {
    if (sending) return;
    var queue = load();
    if (!queue.length) { showQueue(queue, false); return; }
    var location = queue[0].location;
    var batch = [];
    for (var i = 0; i < queue.length && batch.length < 500 && queue[i].location === location; i++) {
      batch.push(queue[i].code);
    }
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      body: JSON.stringify({ barcodes: batch, location: location })
    }).then(function (response) {
      if (response.status >= 502 && response.status <= 504) throw new Error("offline");
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (got) {
      sending = false;
      // Only what was sent leaves the queue: scans made meanwhile were appended after it.
      save(load().slice(batch.length));
      say(got.data.message, !got.ok);
      if (got.ok && got.data.unknown && got.data.unknown.length) answer.className = "bad";
      flush();
    }, function () {
      sending = false;
      showQueue(load(), true);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = field.value.trim();
    field.value = "";
    field.focus();
    if (!code) return;
    if (!shape.test(code)) { say(form.getAttribute("data-text-bad") + code, true); return; }
    var queue = load();
    queue.push({ code: code, location: where ? where.value : "" });
    save(queue);
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();
})();
