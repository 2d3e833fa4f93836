/* The circulation desk: one scan field, partial HTML from the server, no page reloads.
   Keyboard-wedge scanners type the code and Enter. Esc ends the reader's turn, and so
   does an idle minute or the next card. No libraries, no build step.

   Offline: when the server cannot be reached, check-outs and check-ins are kept in the
   browser (IndexedDB, so a reload keeps them) with the id each scan was given, and sent
   again in order once the server answers; the server applies an id once and answers a
   repeat with the first outcome. Refusals met then are listed for the librarian. */
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk) return;
  var scan = document.getElementById("scan");
  var messageBox = document.getElementById("desk-message");
  var overrideBox = document.getElementById("desk-override");
  var area = document.getElementById("desk-area");
  var returnsBody = document.getElementById("returns-body");
  var returnsCount = document.getElementById("returns-count");
  var modeName = document.getElementById("mode-name");
  var modeHint = document.getElementById("mode-hint");
  var modeBox = document.getElementById("desk-mode");
  var autoReceipt = document.getElementById("auto-receipt");
  var csrf = desk.querySelector("input[name=csrfmiddlewaretoken]").value;
  var texts = {
    returnMode: modeBox.dataset.returnText,
    lendMode: modeBox.dataset.lendText,
    idleHint: modeHint.textContent,
    welcome: messageBox.textContent
  };
  var data = desk.dataset;

  var state = { patron: "", patronName: "", lentThisTurn: 0, busy: false, queue: [], idleTimer: null };
  // Exposed for the browser test and for a school that wants a shorter idle time.
  window.shuxiangDesk = {
    state: state,
    idleMs: parseInt(desk.dataset.idleMs, 10) || 60000,
    probeMs: 5000
  };

  /* --- sounds: generated with the Web Audio API, no audio files --------------------- */
  var audio = null;
  function tone(freq, start, length, type, volume) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    var t0 = audio.currentTime + start;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(volume, t0 + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(t0);
    osc.stop(t0 + length + 0.02);
  }
  function beep(level) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      if (level === "ok") {
        tone(1320, 0, 0.09, "sine", 0.25);                 // one short high beep
      } else if (level === "info") {
        tone(990, 0, 0.07, "sine", 0.2);
        tone(1320, 0.08, 0.07, "sine", 0.2);                // rising pair: reader selected
      } else if (level === "warning") {
        tone(660, 0, 0.12, "triangle", 0.3);
        tone(660, 0.18, 0.12, "triangle", 0.3);             // two mid beeps
      } else {
        tone(180, 0, 0.45, "square", 0.18);                 // long low buzz
      }
    } catch (e) { /* a PC without sound still works */ }
    desk.dataset.lastSound = level;
  }

  /* --- focus: never lost --------------------------------------------------------------- */
  // The scan field keeps the focus, also while an override is offered: a scanner types its
  // code and Enter wherever the cursor is, and that must never confirm a refused loan.
  // The override's controls take the focus only when the librarian clicks them.
  function inOverride(el) { return !!el && overrideBox.contains(el); }
  function refocus() {
    var active = document.activeElement;
    if (inOverride(active)) return;
    if (active !== scan) scan.focus();
  }
  document.addEventListener("focusout", function () { setTimeout(function () {
    var active = document.activeElement;
    if (!active || active === document.body || !desk.contains(active)) refocus();
  }, 0); });
  desk.addEventListener("click", function () { setTimeout(refocus, 0); });

  /* --- the reader's turn ---------------------------------------------------------------- */
  function setMode() {
    var lending = !!state.patron;
    modeBox.classList.toggle("lending", lending);
    modeName.textContent = lending ? texts.lendMode : texts.returnMode;
    modeHint.textContent = lending ? state.patronName : texts.idleHint;
  }
  function showMessage(level, html) {
    messageBox.className = "desk-message " + level;
    messageBox.innerHTML = html;
  }
  function endTurn(why) {
    if (state.patron && state.lentThisTurn && autoReceipt.checked) printReceipt();
    state.patron = "";
    state.patronName = "";
    state.lentThisTurn = 0;
    clearOverride();
    area.innerHTML = "";
    setMode();
    showMessage("info", texts.welcome);
    desk.dataset.turnEnded = why;
    scan.value = "";
    refocus();
  }
  function touch() {
    clearTimeout(state.idleTimer);
    if (state.patron) {
      state.idleTimer = setTimeout(function () { endTurn("idle"); }, window.shuxiangDesk.idleMs);
    }
  }

  /* --- lending against the rules (越权借出): a deliberate act, never a scan ----------- */
  function clearOverride() {
    overrideBox.innerHTML = "";
    delete desk.dataset.overridePending;
  }
  function offerOverride(form) {
    overrideBox.appendChild(form);
    desk.dataset.overridePending = form.dataset.barcode;
    var choice = form.querySelector("#override-choice");
    var other = form.querySelector("#override-reason");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    choice.addEventListener("change", function () {
      other.hidden = choice.value !== "other";
      if (!other.hidden) other.focus();
    });
    form.querySelector("#override-cancel").addEventListener("click", function () {
      clearOverride();
      scan.focus();
    });
    form.querySelector("#override-confirm").addEventListener("click", function () {
      var reason = choice.value === "other" ? other.value.trim() : choice.value;
      if (!reason) {
        (choice.value === "other" ? other : choice).focus();
        form.classList.add("needs-reason");
        return;
      }
      var barcode = form.dataset.barcode;
      clearOverride();
      scan.focus();
      send(desk.dataset.scanUrl, { code: barcode, override_reason: reason });
    });
  }
  // A scan that arrives while an override is offered is a scan: the refused book is set
  // aside (not lent) and the new code goes through as usual.
  function setAside() {
    var barcode = desk.dataset.overridePending;
    if (!barcode) return;
    var form = overrideBox.querySelector(".override-form");
    var title = form && form.dataset.title ? form.dataset.title : barcode;
    clearOverride();
    desk.dataset.setAside = barcode;
    state.setAsideNote = desk.dataset.setAsideText.replace("TITLE", title);
  }

  // Keys typed as fast as a scanner types them (a few ms apart) into the "other reason"
  // box are a scan, not a reason.
  var burst = { chars: "", last: 0 };
  function scannerPaced(e) {
    var now = Date.now();
    if (e.key.length === 1) {
      burst.chars = now - burst.last < 50 ? burst.chars + e.key : e.key;
      burst.last = now;
    }
    return burst.chars.length >= 4 && now - burst.last < 50;
  }

  /* --- talking to the server ------------------------------------------------------------ */
  // A request that never got an answer (no network, server down, a proxy without its
  // server) fails with "offline"; the scan it carried may or may not have been applied.
  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 403 || response.redirected) {
        throw new Error(response.status === 403 ? "forbidden" : "login");
      }
      if (response.status >= 502 && response.status <= 504) throw new Error("offline");
      if (!response.ok) throw new Error("failed");
      return response.text();
    }, function () {
      throw new Error("offline");
    });
  }

  function apply(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var result = holder.querySelector(".scan-result");
    if (!result) { showMessage("error", "?"); beep("error"); return; }
    var level = result.dataset.level;
    var msg = result.querySelector(".result-message");
    showMessage(level, msg ? msg.innerHTML : "");
    if (state.setAsideNote) {
      var note = document.createElement("div");
      note.className = "set-aside";
      note.textContent = state.setAsideNote;
      messageBox.appendChild(note);
      state.setAsideNote = "";
    }
    clearOverride();
    if (result.dataset.endTurn) { endTurn("server"); showMessage(level, msg ? msg.innerHTML : ""); }
    // A book lent to the reader whose panel is shown comes with the panel's update; if the
    // panel is gone, the turn was ended (Esc) while the answer was on its way, and stays so.
    var update = result.querySelector(".reader-update");
    var target = update ? panelFor(update.dataset.card) : null;
    var ended = !!update && !target;
    if (result.dataset.patron && !ended) {
      if (result.dataset.patron !== state.patron) {
        // A new card ends the previous reader's turn.
        if (state.patron && state.lentThisTurn && autoReceipt.checked) printReceipt();
        state.lentThisTurn = 0;
      }
      state.patron = result.dataset.patron;
      var name = result.querySelector(".reader-name");
      var klass = result.querySelector(".reader-class");
      state.patronName = (name ? name.textContent : "") + (klass ? " · " + klass.textContent : "");
    }
    if (result.dataset.lent && !ended) state.lentThisTurn += 1;
    var panel = result.querySelector(".reader-panel");
    if (panel) { remember(panel); area.replaceChildren(panel); showQueuedLoans(); }
    if (target) { patchPanel(target, update); remember(target); showQueuedLoans(); }
    var row = result.querySelector(".return-row tr");
    if (row) {
      returnsBody.insertBefore(row, returnsBody.firstChild);
      returnsCount.textContent = String(returnsBody.children.length);
      returnsBody.closest("section").classList.add("has-rows");
    }
    var form = result.querySelector(".override-form");
    if (form) offerOverride(form);
    setMode();
    beep(level);
    desk.dataset.level = level;
    desk.dataset.code = result.dataset.code || "";
    touch();
    refocus();
  }

  /* A book lent to the reader whose panel is shown: the server sends the panel's new
     figures and the new loan's row (a "reader-update"), and they go into the panel. */
  function shownPanel() {
    var panel = area.querySelector(".reader-panel");
    // A panel put back from memory (offline) may be out of date: it is not "shown".
    if (!panel || panel.classList.contains("offline-reader") || panel.dataset.fromMemory) return null;
    return panel;
  }
  function panelFor(card) {
    var panel = shownPanel();
    return panel && panel.dataset.card === card ? panel : null;
  }
  function patchPanel(panel, update) {
    ["due", "count", "limit"].forEach(function (key) { panel.dataset[key] = update.dataset[key]; });
    if (update.dataset.blocked) panel.dataset.blocked = "1"; else delete panel.dataset.blocked;
    panel.querySelector(".reader-card").replaceWith(update.querySelector(".reader-card"));
    panel.querySelector(".loans-head").replaceWith(update.querySelector(".loans-head"));
    var table = update.querySelector("table.loans");
    if (!table) return;
    var body = panel.querySelector("table.loans tbody");
    if (!body) {
      // The reader's first loan: the list gets its head (kept in the page) and replaces
      // the "no loans" line.
      table.insertBefore(document.getElementById("loans-head").content.cloneNode(true), table.firstChild);
      var empty = panel.querySelector(".no-loans");
      if (empty) empty.replaceWith(table); else panel.querySelector(".reader-loans").appendChild(table);
      return;
    }
    // Rows in the server's order: due date, then loan (the new loan is the latest).
    Array.prototype.forEach.call(body.querySelectorAll("tr.fresh"), function (tr) { tr.classList.remove("fresh"); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      var before = null;
      Array.prototype.some.call(body.children, function (tr) {
        if (tr.dataset.due > row.dataset.due) { before = tr; return true; }
        return false;
      });
      body.insertBefore(row, before);
    });
  }
  // What a scan tells the server about the panel on screen, so that it can answer a
  // check-out with the update only when the panel is the reader's and lists the rest.
  function shownFields(fields) {
    var panel = shownPanel();
    fields.shown = panel ? panel.dataset.card : "";
    fields.shown_loans = panel
      ? Array.prototype.map.call(panel.querySelectorAll("table.loans tbody tr[data-loan]"), function (tr) { return tr.dataset.loan; }).join(",")
      : "";
  }

  function failed(error) {
    var why = error && error.message;
    if (why === "login") { window.location.reload(); return; }
    showMessage("error", why === "forbidden" ? "403" : escapeHtml(data.failedText));
    beep("error");
  }

  // Scans can arrive faster than answers: they queue and go one at a time, in order.
  // Each scan gets its id here, once: sent again, it is the same scan. While scans are
  // kept (offline, or not all sent yet), a new scan is kept behind them.
  function send(url, fields) {
    var isScan = url === data.scanUrl;
    if (isScan && !fields.scan_id) fields.scan_id = newScanId();
    if (offline.on || outbox.length) {
      if (isScan) {
        keep(fields);
        pump();
      } else {
        showMessage("warning", escapeHtml(data.renewOfflineText));
        beep("warning");
      }
      return;
    }
    state.queue.push([url, fields]);
    pump();
  }
  function pump() {
    if (state.busy) return;
    if (outbox.length && !offline.on) { replayNext(); return; }
    if (!state.queue.length) return;
    var next = state.queue.shift();
    state.busy = true;
    desk.classList.add("busy");
    if (next[1].patron === undefined) next[1].patron = state.patron;
    if (next[0] === data.scanUrl && next[1].shown === undefined) shownFields(next[1]);
    post(next[0], next[1]).then(apply, function (error) {
      if (error && error.message === "offline") {
        // No answer: keep this scan and those behind it, in order, and say so at once.
        goOffline();
        [next].concat(state.queue.splice(0)).forEach(function (waiting) {
          if (waiting[0] === data.scanUrl) keep(waiting[1]);
        });
        if (next[0] !== data.scanUrl) {
          showMessage("warning", escapeHtml(data.renewOfflineText));
          beep("warning");
        }
        return;
      }
      failed(error);
    }).then(function () {
      state.busy = false;
      desk.classList.remove("busy");
      desk.dataset.pending = String(state.queue.length);
      pump();
    });
  }

  function printReceipt() {
    if (!state.patron || offline.on) return;
    var url = desk.dataset.receiptUrl.replace("CARD", encodeURIComponent(state.patron)) + "?print=1";
    window.open(url, "shuxiang-receipt", "width=420,height=640");
  }

  /* --- offline: keep the scans, send them again when the server answers ------------------ */
  var offlineBox = document.getElementById("desk-offline");
  var outboxSection = document.getElementById("desk-outbox");
  var outboxBody = document.getElementById("outbox-body");
  var outboxCount = document.getElementById("outbox-count");
  var conflictsSection = document.getElementById("desk-conflicts");
  var conflictsBody = document.getElementById("conflicts-body");
  var conflictsCount = document.getElementById("conflicts-count");
  var queueKey = data.queueKey;
  // The scans kept, oldest first; the refusals met when they were sent again.
  var outbox = [];
  var conflicts = [];
  var offline = { on: false, probeTimer: null, panels: {}, done: 0, refused: 0 };
  window.shuxiangDesk.outbox = outbox;
  window.shuxiangDesk.conflicts = conflicts;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function fill(template, values) {
    return template.replace(/[A-Z][A-Z_]+/g, function (word) {
      return Object.prototype.hasOwnProperty.call(values, word) ? values[word] : word;
    });
  }
  function newScanId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Pages served over plain http on a school network have no randomUUID.
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function pattern(source) {
    if (!source) return null;
    try { return new RegExp("^(?:" + source + ")$"); } catch (e) { return null; }
  }
  var cardRe = pattern(data.cardPattern);
  var barcodeRe = pattern(data.barcodePattern);
  // As the server tells a card from a barcode (rules.classify_scan).
  function looksLikeCard(code) {
    var card = !!cardRe && cardRe.test(code);
    var item = !!barcodeRe && barcodeRe.test(code);
    return card && !item;
  }
  function clock() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* The store: one IndexedDB database per browser, rows keyed by scan id and tagged with
     the library and login they belong to, so another login on this PC neither sees nor
     sends them. Without IndexedDB (a private window) the scans are kept in memory. */
  var dbPromise = null;
  function db() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request;
      try { request = indexedDB.open("shuxiang-desk", 1); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "id" });
        request.result.createObjectStore("conflicts", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
    });
    return dbPromise;
  }
  function store(name, action, value) {
    return db().then(function (handle) {
      if (!handle) return null;
      return new Promise(function (resolve) {
        var tx = handle.transaction(name, action === "all" ? "readonly" : "readwrite");
        var os = tx.objectStore(name);
        var request = action === "all" ? os.getAll() : action === "put" ? os.put(value) : os.delete(value);
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = tx.onabort = function () { resolve(null); };
      });
    });
  }

  /* The reader panels the server sent this session: offline, a card already seen
     selects its reader, and a check-out shows the due date the server gave for them. */
  function remember(panel) {
    var card = panel.dataset.card;
    if (!card) return;
    var name = panel.querySelector(".reader-name");
    var klass = panel.querySelector(".reader-class");
    offline.panels[card] = {
      html: panel.outerHTML,
      due: panel.dataset.due || "",
      name: (name ? name.textContent : card) + (klass ? " · " + klass.textContent : "")
    };
  }

  function keep(fields) {
    var code = String(fields.code || "").trim();
    var patron = fields.patron === undefined ? state.patron : fields.patron;
    var entry = {
      id: fields.scan_id || newScanId(),
      key: queueKey,
      seq: Date.now() * 1000 + outbox.length,
      at: clock(),
      code: code,
      patron: patron || "",
      reason: fields.override_reason || ""
    };
    if (offline.panels[code] || looksLikeCard(code)) {
      selectOffline(code);
      // A card the desk has not seen goes with the scans, so that an unknown card is
      // reported as such when they are sent.
      if (!offline.panels[code]) { entry.kind = "card"; entry.reader = state.patronName; }
    } else if (entry.patron) {
      var panel = offline.panels[entry.patron];
      entry.kind = "checkout";
      entry.reader = panel ? panel.name : fill(data.unknownReaderText, { CARD: entry.patron });
      entry.due = panel ? panel.due : "";
    } else {
      entry.kind = "checkin";
      entry.reader = "";
    }
    if (entry.kind) {
      outbox.push(entry);
      store("outbox", "put", entry);
      queuedMessage(entry);
    }
    showOutbox();
  }

  function selectOffline(card) {
    var known = offline.panels[card];
    if (state.patron && state.patron !== card) state.lentThisTurn = 0;
    state.patron = card;
    clearOverride();
    if (known) {
      var holder = document.createElement("div");
      holder.innerHTML = known.html;
      holder.firstElementChild.dataset.fromMemory = "1";
      area.replaceChildren(holder.firstElementChild);
      state.patronName = known.name;
      showMessage("info", escapeHtml(fill(data.queuedCardText, { CARD: known.name })));
    } else {
      // A card the desk has not seen: its reader is checked when the scans are sent.
      state.patronName = fill(data.unknownReaderText, { CARD: card });
      var panel = document.createElement("div");
      panel.className = "reader-panel offline-reader";
      panel.dataset.card = card;
      panel.innerHTML = '<div class="reader-card"><div class="reader-name" data-test="reader-name"></div></div>' +
        '<div class="reader-loans"></div>';
      panel.querySelector(".reader-name").textContent = state.patronName;
      area.replaceChildren(panel);
      showMessage("info", escapeHtml(fill(data.queuedCardText, { CARD: card })));
    }
    showQueuedLoans();
    setMode();
    beep("info");
    desk.dataset.level = "queued";
    touch();
  }

  function dueText(entry) {
    return entry.due ? fill(data.duePendingText, { DUE: entry.due }) : data.dueUnknownText;
  }
  function queuedMessage(entry) {
    if (entry.kind === "card") return;
    var text = entry.kind === "checkout"
      ? fill(data.queuedOutText, { BARCODE: entry.code, READER: entry.reader, DUE: dueText(entry) })
      : fill(data.queuedInText, { BARCODE: entry.code });
    showMessage("queued", escapeHtml(text));
    beep("ok");
    desk.dataset.level = "queued";
    touch();
  }

  // The current reader's kept check-outs, under their loans.
  function showQueuedLoans() {
    var panel = area.querySelector(".reader-panel");
    if (!panel) return;
    var old = panel.querySelector(".queued-loans");
    if (old) old.remove();
    var mine = outbox.filter(function (e) { return e.kind === "checkout" && e.patron === panel.dataset.card; });
    if (!mine.length) return;
    var list = document.createElement("ul");
    list.className = "queued-loans";
    mine.forEach(function (entry) {
      var li = document.createElement("li");
      li.dataset.test = "queued-loan";
      li.dataset.scanId = entry.id;
      li.innerHTML = '<span class="mono"></span> <span class="due"></span>';
      li.firstChild.textContent = entry.code;
      li.lastChild.textContent = dueText(entry);
      list.appendChild(li);
    });
    (panel.querySelector(".reader-loans") || panel).appendChild(list);
  }

  // Kept check-ins in the returns table; every kept scan in the list of scans to send.
  function queuedReturnRow(entry) {
    var row = document.createElement("tr");
    row.className = "queued";
    row.dataset.scanId = entry.id;
    [entry.at, entry.code, entry.code, "—", ""].forEach(function (text, i) {
      var cell = document.createElement("td");
      if (i === 2) cell.className = "mono";
      if (i === 4) {
        cell.innerHTML = '<span class="tag queued"></span>';
        cell.firstChild.textContent = data.storedText;
      } else {
        cell.textContent = text;
      }
      row.appendChild(cell);
    });
    return row;
  }
  function showOutbox() {
    outbox.forEach(function (entry) {
      if (entry.kind === "checkin" && !returnsBody.querySelector('tr[data-scan-id="' + entry.id + '"]')) {
        returnsBody.insertBefore(queuedReturnRow(entry), returnsBody.firstChild);
      }
    });
    returnsCount.textContent = String(returnsBody.children.length);
    if (returnsBody.children.length) returnsBody.closest("section").classList.add("has-rows");
    outboxBody.replaceChildren();
    outbox.forEach(function (entry) {
      var row = document.createElement("tr");
      row.dataset.scanId = entry.id;
      var what = entry.kind === "checkout" ? data.checkoutText : entry.kind === "checkin" ? data.checkinText : data.cardText;
      var state_ = entry.kind === "checkout" ? dueText(entry) : data.storedText;
      [entry.at, what, entry.code, entry.reader || "—", state_].forEach(function (text, i) {
        var cell = document.createElement("td");
        if (i === 2) cell.className = "mono";
        cell.textContent = text;
        row.appendChild(cell);
      });
      outboxBody.appendChild(row);
    });
    outboxCount.textContent = String(outbox.length);
    outboxSection.hidden = !outbox.length;
    showQueuedLoans();
    showBanner();
  }
  function showBanner() {
    desk.dataset.queued = String(outbox.length);
    desk.classList.toggle("offline", offline.on);
    if (offline.on) {
      offlineBox.textContent = outbox.length
        ? fill(data.offlineText, { COUNT: String(outbox.length) })
        : data.offlineEmptyText;
      offlineBox.className = "desk-offline";
      offlineBox.hidden = false;
    } else if (outbox.length) {
      offlineBox.textContent = fill(data.replayingText, { COUNT: String(outbox.length) });
      offlineBox.className = "desk-offline replaying";
      offlineBox.hidden = false;
    } else {
      offlineBox.hidden = true;
    }
  }

  function showConflicts() {
    conflictsBody.replaceChildren();
    conflicts.forEach(function (c) {
      var row = document.createElement("tr");
      row.dataset.scanId = c.id;
      row.dataset.test = "conflict";
      var what = c.kind === "checkout" ? data.checkoutText : c.kind === "checkin" ? data.checkinText : data.cardText;
      [c.at, what, c.code, c.reader || "—", c.message].forEach(function (text, i) {
        var cell = document.createElement("td");
        if (i === 2) cell.className = "mono";
        cell.textContent = text;
        row.appendChild(cell);
      });
      var cell = document.createElement("td");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary small";
      button.tabIndex = -1;
      button.dataset.dismiss = c.id;
      button.textContent = conflictsBody.dataset.dismissText;
      cell.appendChild(button);
      row.appendChild(cell);
      conflictsBody.appendChild(row);
    });
    conflictsCount.textContent = String(conflicts.length);
    conflictsSection.hidden = !conflicts.length;
  }
  function dismiss(id) {
    for (var i = conflicts.length - 1; i >= 0; i--) {
      if (id === null || conflicts[i].id === id) {
        store("conflicts", "delete", conflicts[i].id);
        conflicts.splice(i, 1);
      }
    }
    showConflicts();
  }
  conflictsSection.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) return;
    if (button.id === "conflicts-dismiss-all") dismiss(null);
    else if (button.dataset.dismiss) dismiss(button.dataset.dismiss);
  });

  /* Going offline and back. */
  function goOffline() {
    if (!offline.on) {
      offline.on = true;
      desk.dataset.offline = "1";
    }
    showBanner();
    clearInterval(offline.probeTimer);
    offline.probeTimer = setInterval(probe, window.shuxiangDesk.probeMs);
  }
  function goOnline() {
    offline.on = false;
    delete desk.dataset.offline;
    clearInterval(offline.probeTimer);
    offline.probeTimer = null;
    showBanner();
    pump();
  }
  // Is the server there? (true when it answered and the kept scans may go)
  function probe() {
    return fetch(data.pingUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.redirected) { window.location.reload(); return false; }
      if (response.ok) { goOnline(); return true; }
      return false;
    }, function () { return false; });
  }
  window.addEventListener("online", probe);
  window.addEventListener("offline", goOffline);

  /* Sending the kept scans again, one at a time, oldest first. */
  function replayNext() {
    var entry = outbox[0];
    state.busy = true;
    desk.classList.add("busy");
    showBanner();
    var fields = { code: entry.code, patron: entry.patron, scan_id: entry.id, replay: "1" };
    if (entry.reason) fields.override_reason = entry.reason;
    post(data.scanUrl, fields).then(function (html) {
      settle(entry, html);
    }, function (error) {
      var why = error && error.message;
      if (why === "offline") { goOffline(); return; }
      if (why === "login") { window.location.reload(); return; }
      if (why === "forbidden") { offline.stalled = true; window.location.reload(); return; }
      settle(entry, "", data.failedText);
    }).then(function () {
      state.busy = false;
      desk.classList.remove("busy");
      if (offline.stalled) return;
      if (!outbox.length && (offline.done || offline.refused)) finishReplay();
      pump();
    });
  }
  function settle(entry, html, problem) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var result = holder.querySelector(".scan-result");
    var message = problem || "";
    var ok = false;
    if (result) {
      var level = result.dataset.level;
      var msg = result.querySelector(".result-message");
      message = msg ? msg.textContent : "";
      var returned = result.querySelector(".return-row tr");
      if (entry.kind === "card") {
        ok = !!result.dataset.patron;
      } else {
        ok = !!result.dataset.lent || !!returned || (!!result.dataset.patron && level !== "error");
      }
      if (ok && returned) {
        var pending = returnsBody.querySelector('tr[data-scan-id="' + entry.id + '"]');
        if (pending) pending.replaceWith(returned); else returnsBody.insertBefore(returned, returnsBody.firstChild);
      }
      var panel = result.querySelector(".reader-panel");
      if (panel) {
        remember(panel);
        if (ok && state.patron && panel.dataset.card === state.patron) {
          state.patronName = offline.panels[state.patron].name;
          area.replaceChildren(panel);
          setMode();
        }
      }
    }
    outbox.shift();
    store("outbox", "delete", entry.id);
    var pendingRow = returnsBody.querySelector('tr.queued[data-scan-id="' + entry.id + '"]');
    if (pendingRow) pendingRow.remove();
    if (ok) {
      offline.done += 1;
    } else {
      offline.refused += 1;
      var conflict = {
        id: entry.id, key: entry.key, seq: entry.seq, at: entry.at, kind: entry.kind,
        code: entry.code, reader: entry.reader, message: message || data.failedText
      };
      conflicts.push(conflict);
      store("conflicts", "put", conflict);
      showConflicts();
    }
    showOutbox();
  }
  function finishReplay() {
    var text = fill(data.replayedText, { DONE: String(offline.done), FAILED: String(offline.refused) });
    var level = offline.refused ? "warning" : "ok";
    showMessage(level, escapeHtml(text));
    beep(level);
    desk.dataset.level = level;
    desk.dataset.replayed = String(offline.done);
    offline.done = 0;
    offline.refused = 0;
  }

  /* The page can open without the server: a service worker keeps a copy of this page
     and its files, served only when the network fails (secure contexts: https or the
     PC itself). Signing out forgets the copy. */
  var PAGE_CACHE = "shuxiang-desk";
  function keepPageCopy() {
    if (!("serviceWorker" in navigator) || !window.caches || !data.serviceWorkerUrl) return;
    navigator.serviceWorker.register(data.serviceWorkerUrl).then(function () {
      if (offline.on || !navigator.onLine) return;
      var urls = [window.location.pathname];
      document.querySelectorAll('link[rel="stylesheet"][href], script[src]').forEach(function (el) {
        urls.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      caches.open(PAGE_CACHE).then(function (cache) { return cache.addAll(urls); }).catch(function () {});
    }).catch(function () {});
  }
  document.querySelectorAll('form[action$="/logout/"]').forEach(function (form) {
    form.addEventListener("submit", function () { if (window.caches) caches.delete(PAGE_CACHE); });
  });

  function startOffline() {
    Promise.all([store("outbox", "all"), store("conflicts", "all")]).then(function (found) {
      var mine = function (row) { return row.key === queueKey; };
      var bySeq = function (a, b) { return a.seq - b.seq; };
      (found[0] || []).filter(mine).sort(bySeq).forEach(function (e) {
        if (!outbox.some(function (o) { return o.id === e.id; })) outbox.push(e);
      });
      outbox.sort(bySeq);
      (found[1] || []).filter(mine).sort(bySeq).forEach(function (c) { conflicts.push(c); });
      showOutbox();
      showConflicts();
      desk.dataset.ready = "1";
      if (!navigator.onLine) goOffline();
      else if (outbox.length) probe().then(function (up) { if (!up) goOffline(); });
    });
    keepPageCopy();
  }

  /* --- keys ---------------------------------------------------------------------------- */
  scan.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var code = scan.value.trim();
      scan.value = "";
      if (code) { setAside(); send(desk.dataset.scanUrl, { code: code }); }
    }
  });
  document.addEventListener("keydown", function (e) {
    touch();
    var target = e.target;
    if (e.key === "Escape") {
      e.preventDefault();
      if (desk.dataset.overridePending) { clearOverride(); scan.focus(); return; }
      endTurn("escape");
    } else if (e.key === "F8") {
      e.preventDefault();
      printReceipt();
    } else if (target && target.id === "override-reason") {
      if (e.key === "Enter") {
        // Enter never confirms an override: that takes the button. A scanner's burst
        // typed here goes back to the scan field as a scan.
        e.preventDefault();
        if (scannerPaced(e)) {
          var typed = target.value;
          var code = typed.slice(typed.length - burst.chars.length).trim();
          target.value = typed.slice(0, typed.length - burst.chars.length);
          burst.chars = "";
          setAside();
          scan.focus();
          if (code) send(desk.dataset.scanUrl, { code: code });
        }
      } else {
        scannerPaced(e);
      }
    } else if (inOverride(target) && (e.key === "Enter" ||
               (e.key.length === 1 && !(e.key === " " && target.tagName === "BUTTON")))) {
      // Typing on the reason list or a button goes to the scan field (so a scanner's
      // Enter can never press the confirm button).
      if (e.key === "Enter") e.preventDefault();
      scan.focus();
    }
  });
  area.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-action]");
    if (!button) return;
    if (button.dataset.action === "renew") send(desk.dataset.renewUrl, { barcode: button.dataset.barcode });
    else if (button.dataset.action === "renew-all") send(desk.dataset.renewUrl, { barcode: "" });
    else if (button.dataset.action === "receipt") printReceipt();
  });

  setMode();
  refocus();
  startOffline();
})();
