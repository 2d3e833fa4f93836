/* The circulation desk: one scan field, partial HTML from the server, no page reloads.
   Keyboard-wedge scanners type the code and Enter. Esc ends the reader's turn, and so
   does an idle minute or the next card. No libraries, no build step. */
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

  var state = { patron: "", patronName: "", lentThisTurn: 0, busy: false, queue: [], idleTimer: null };
  // Exposed for the browser test and for a school that wants a shorter idle time.
  window.shuxiangDesk = { state: state, idleMs: parseInt(desk.dataset.idleMs, 10) || 60000 };

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
      return response.text();
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
    if (result.dataset.patron) {
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
    if (result.dataset.lent) state.lentThisTurn += 1;
    var panel = result.querySelector(".reader-panel");
    if (panel) area.replaceChildren(panel);
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

  function failed(error) {
    if (error && error.message === "login") { window.location.reload(); return; }
    showMessage("error", error && error.message === "forbidden" ? "403" : "⚠ " + (error && error.message || ""));
    beep("error");
  }

  // Scans can arrive faster than answers: they queue and go one at a time, in order.
  function send(url, fields) {
    state.queue.push([url, fields]);
    pump();
  }
  function pump() {
    if (state.busy || !state.queue.length) return;
    var next = state.queue.shift();
    state.busy = true;
    desk.classList.add("busy");
    if (next[1].patron === undefined) next[1].patron = state.patron;
    post(next[0], next[1]).then(apply, failed).then(function () {
      state.busy = false;
      desk.classList.remove("busy");
      desk.dataset.pending = String(state.queue.length);
      pump();
    });
  }

  function printReceipt() {
    if (!state.patron) return;
    var url = desk.dataset.receiptUrl.replace("CARD", encodeURIComponent(state.patron)) + "?print=1";
    window.open(url, "shuxiang-receipt", "width=420,height=640");
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
})();
