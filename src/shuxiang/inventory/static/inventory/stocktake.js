/* The stocktake scan page. A keyboard-wedge or Bluetooth scanner types into the scan
   field and presses Enter; a phone reads barcodes with its camera. Either way each
   barcode goes into a queue kept in this browser (localStorage, per stocktake and
   login) and is sent from there, so scans made while the network is gone are sent when
   it is back. The server counts a barcode once per stocktake, so a batch re-sent after
   a lost answer counts nothing twice. A service worker (stocktake-worker.js) keeps the
   page, so a reload without network still shows it with its queue. No inline
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
  var PAGE_CACHE = "shuxiang-stocktake";
  var shape = /^[A-Za-z0-9-]{1,40}$/;
  var sending = false;

  function text(name) { return form.getAttribute("data-text-" + name) || ""; }
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(key, JSON.stringify(queue)); }
  function showQueue(queue, offline) {
    if (queue.length && offline) {
      queueNote.textContent = text("queued").replace("%(n)s", queue.length);
      queueNote.hidden = false;
    } else if (queue.length) {
      queueNote.textContent = text("sending");
      queueNote.hidden = false;
    } else {
      queueNote.hidden = true;
    }
  }
  function say(message, bad) {
    answer.textContent = message;
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
      // The login ended while the phone was away: the answer is the login page.
      if (response.redirected || response.status === 401) {
        throw new Error("signin");
      }
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (got) {
      sending = false;
      // Only what was sent leaves the queue: scans made meanwhile were appended after it.
      save(load().slice(batch.length));
      say(got.data.message, !got.ok);
      if (got.ok && got.data.unknown && got.data.unknown.length) answer.className = "bad";
      if (got.ok) { keepPage(); progressSoon(); }
      flush();
    }, function (error) {
      sending = false;
      showQueue(load(), true);
      if (error && error.message === "signin") {
        queueNote.textContent = text("signin");
      }
    });
  }

  // One path for every scan, typed, from a scanner or from the camera.
  function record(code) {
    if (!code) return false;
    if (!shape.test(code)) { say(text("bad") + code, true); return false; }
    var queue = load();
    queue.push({ code: code, location: where ? where.value : "" });
    save(queue);
    flush();
    return true;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = field.value.trim();
    field.value = "";
    field.focus();
    record(code);
  });
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  flush();

  // --- each location's progress, live: everyone's scans, not only this page's ---------

  var progressUrl = form.getAttribute("data-progress-url");
  var progressBody = document.querySelector("#progress tbody");
  var progressTimer = null;
  function showProgress() {
    progressTimer = null;
    if (!progressUrl || !progressBody || document.hidden || !navigator.onLine) return;
    fetch(progressUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok && !response.redirected ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.rows.length) return;
        progressBody.replaceChildren.apply(progressBody, data.rows.map(function (row) {
          var tr = document.createElement("tr");
          [row.location, row.scanned, row.expected, row.percent].forEach(function (value, i) {
            var td = document.createElement("td");
            if (i) td.className = "num";
            td.textContent = String(value);
            tr.appendChild(td);
          });
          return tr;
        }));
      }, function () {});
  }
  // After this page's own scans, a moment later (a scanner's burst asks once).
  function progressSoon() {
    if (!progressTimer) progressTimer = setTimeout(showProgress, 1500);
  }
  setInterval(showProgress, 15000);

  // --- keeping the page for a reload without network --------------------------------

  var workerUrl = form.getAttribute("data-worker-url");
  var keptAt = 0;
  // The copy of the page a reload without network shows: its figures are those of the
  // last copy, so it is renewed now and then while scans go through.
  function keepPage() {
    if (!window.caches || !workerUrl || Date.now() - keptAt < 60000) return;
    keptAt = Date.now();
    var page = window.location.pathname;
    fetch(page, { credentials: "same-origin" }).then(function (response) {
      // Redirected to the login page: that is not a page to show for this one.
      if (!response.ok || response.redirected) return;
      return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(page, response); });
    }).catch(function () {});
  }
  if ("serviceWorker" in navigator && window.caches && workerUrl) {
    navigator.serviceWorker.register(workerUrl).then(function () {
      if (!navigator.onLine) return;
      var urls = [form.getAttribute("data-zxing-url")];
      document.querySelectorAll('link[rel="stylesheet"][href], script[src]').forEach(function (el) {
        urls.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      caches.open(PAGE_CACHE).then(function (cache) { return cache.addAll(urls); }).catch(function () {});
      keepPage();
    }).catch(function () {});
  }
  document.querySelectorAll('form[action$="/logout/"]').forEach(function (logout) {
    logout.addEventListener("submit", function () { if (window.caches) caches.delete(PAGE_CACHE); });
  });

  // --- the camera ---------------------------------------------------------------------

  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var frame = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var note = document.getElementById("camera-note");
  if (!startButton || !video) return;
  var FORMATS = ["ean_13", "code_128", "code_39"];  // ISBNs, library barcodes
  var EVERY_MS = 150;  // between two looks at the picture
  // A barcode still in view (or seen again within this time) is not sent again.
  var HOLD_MS = 3000;
  var stream = null;
  var timer = null;
  var detect = null;
  var audio = null;
  var last = { code: "", seen: 0 };
  var candidate = "";

  function tell(message, bad) {
    note.textContent = message;
    note.className = bad ? "bad" : "muted";
    note.hidden = !message;
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 1760;
      gain.gain.value = 0.15;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.08);
    } catch (e) { /* no sound: the answer on the page still shows */ }
    if (navigator.vibrate) navigator.vibrate(60);
  }

  function seen(code) {
    var now = Date.now();
    if (code === last.code && now - last.seen < HOLD_MS) { last.seen = now; return; }
    // The same reading twice in a row before it counts: a smudged bar can misread once.
    if (code !== candidate) { candidate = code; return; }
    candidate = "";
    last = { code: code, seen: now };
    if (!record(code)) return;
    beep();
    tell(text("camera-read").replace("%(code)s", code), false);
    frame.classList.add("hit");
    setTimeout(function () { frame.classList.remove("hit"); }, 400);
  }

  function look() {
    timer = null;
    if (!stream) return;
    var next = function () { if (stream) timer = setTimeout(look, EVERY_MS); };
    if (video.readyState < 2) { next(); return; }
    detect().then(function (code) { if (code && stream) seen(code); }, function () {}).then(next);
  }

  // The browser's own detector where there is one; ZXing, loaded on first use, where not.
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      if (!formats.length) return null;
      var detector = new window.BarcodeDetector({ formats: formats });
      return function () {
        return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : ""; });
      };
    }).catch(function () { return null; });
  }

  function loadZXing() {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = form.getAttribute("data-zxing-url");
      script.onload = function () { return window.ZXing ? resolve(window.ZXing) : reject(new Error("zxing")); };
      script.onerror = function () { reject(new Error("zxing")); };
      document.head.appendChild(script);
    });
  }

  // ZXing 0.23.0's Code128Reader.findStartPattern shortens its six counters to four
  // after the first stretch of a row that is not a start pattern (a slice where the
  // original Java copies within the array); from then on it compares only the first four
  // widths, which Start B (211214) and Start C (211232) share, so a numeric library
  // barcode (Code 128 set C) with anything dark to its left on the picture is taken to
  // start in set B and fails its checksum: more than half of a run of numeric barcodes
  // went unread. This is the Java original's search, put in its place.
  function correctCode128(ZXing) {
    var reader = ZXing.Code128Reader;
    reader.findStartPattern = function (row) {
      var width = row.getSize();
      var counters = new Int32Array(6);
      var counterPosition = 0;
      var patternStart = row.getNextSet(0);
      var isWhite = false;
      for (var i = patternStart; i < width; i++) {
        if (row.get(i) !== isWhite) {
          counters[counterPosition]++;
          continue;
        }
        if (counterPosition === 5) {
          var bestVariance = reader.MAX_AVG_VARIANCE;
          var bestMatch = -1;
          for (var start = reader.CODE_START_A; start <= reader.CODE_START_C; start++) {
            var variance = ZXing.OneDReader.patternMatchVariance(
              counters, reader.CODE_PATTERNS[start], reader.MAX_INDIVIDUAL_VARIANCE);
            if (variance < bestVariance) { bestVariance = variance; bestMatch = start; }
          }
          // Quiet zone before the start pattern: at least half its width.
          if (bestMatch >= 0 && row.isRange(Math.max(0, patternStart - (i - patternStart) / 2), patternStart, false)) {
            return Int32Array.from([patternStart, i, bestMatch]);
          }
          patternStart += counters[0] + counters[1];
          counters.copyWithin(0, 2);
          counters[4] = 0;
          counters[5] = 0;
          counterPosition--;
        } else {
          counterPosition++;
        }
        counters[counterPosition] = 1;
        isWhite = !isWhite;
      }
      throw new ZXing.NotFoundException();
    };
  }

  function zxingDetector(ZXing) {
    correctCode128(ZXing);
    var hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS,
      [ZXing.BarcodeFormat.EAN_13, ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.CODE_39]);
    // The 1D readers alone (all three formats are 1D), without TRY_HARDER: a look at an
    // empty shelf then takes some 7 ms instead of 85 (measured on a PC; a phone is
    // slower still). A barcode held upright is read from every other look instead,
    // turned a quarter.
    var reader = new ZXing.MultiFormatOneDReader(hints);
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var turn = false;
    return function () {
      // A picture at most 640 pixels wide is enough for a barcode filling the box.
      var scale = Math.min(1, 640 / (video.videoWidth || 640));
      var width = Math.round((video.videoWidth || 640) * scale);
      var height = Math.round((video.videoHeight || 480) * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var rgba = context.getImageData(0, 0, width, height).data;
      var grey = new Uint8ClampedArray(width * height);
      var x, y, i;
      turn = !turn;
      if (turn) {
        for (y = 0, i = 0; y < height; y++) {
          for (x = 0; x < width; x++, i += 4) {
            grey[x * height + (height - 1 - y)] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
          }
        }
        x = width; width = height; height = x;
      } else {
        for (i = 0, y = 0; y < grey.length; i += 4, y++) {
          grey[y] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
        }
      }
      try {
        var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(
          new ZXing.RGBLuminanceSource(grey, width, height)));
        return Promise.resolve(reader.decode(bitmap, hints).getText());
      } catch (e) {
        return Promise.resolve("");  // no barcode in this picture
      } finally {
        reader.reset();
      }
    };
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    frame.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function failed(error) {
    stop();
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") tell(text("camera-denied"), true);
    else if (name === "NotFoundError" || name === "OverconstrainedError") tell(text("camera-none"), true);
    else if (error && error.message === "zxing") tell(text("camera-reader"), true);
    else tell(text("camera-busy"), true);
  }

  function start() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      tell(text("camera-insecure"), true);
      return;
    }
    // Made on the tap itself: phones allow sound only from a user's gesture.
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    startButton.disabled = true;
    var camera = navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {
        facingMode: { ideal: "environment" },
        width: { ideal: 1280 },
        height: { ideal: 720 },
        // Focus that follows the book held up (Android); ignored where not offered.
        advanced: [{ focusMode: "continuous" }]
      }
    });
    var reader = nativeDetector().then(function (found) {
      return found || loadZXing().then(zxingDetector);
    });
    Promise.all([camera, reader]).then(function (got) {
      startButton.disabled = false;
      stream = got[0];
      detect = got[1];
      video.srcObject = stream;
      frame.hidden = false;
      startButton.hidden = true;
      stopButton.hidden = false;
      tell(text("camera-aim"), false);
      // On a phone the picture and the answers under it fill the screen.
      if (stopButton.scrollIntoView) stopButton.scrollIntoView({ block: "start" });
      return video.play();
    }).then(look, function (error) {
      startButton.disabled = false;
      camera.then(function (s) { s.getTracks().forEach(function (t) { t.stop(); }); }, function () {});
      failed(error);
    });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  // A phone put in a pocket or switched to another app lets go of the camera.
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); });
})();
