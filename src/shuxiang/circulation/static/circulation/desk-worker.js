/* The desk's service worker: lets the desk page open when the server cannot be reached,
   so the scans kept in the browser are not stranded by a reload. It answers only when
   the network fails, only for the desk page and the static files, from the copy the
   page itself put in the cache (desk.js); everything else goes to the network as if
   there were no worker. A copy older than a working day is not used, and signing out
   (or a session found ended) forgets it. */
"use strict";

var CACHE = "shuxiang-desk";
var MAX_AGE_MS = 12 * 60 * 60 * 1000;
var DESK = new URL("./", self.registration.scope).pathname;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function fresh(response) {
  var date = Date.parse(response.headers.get("date") || "");
  return isNaN(date) || Date.now() - date < MAX_AGE_MS;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isDesk = request.mode === "navigate" && url.pathname === DESK;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isDesk && !isStatic) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (isDesk) {
        if (response.redirected || !response.ok) {
          caches.delete(CACHE);  // signed out, or no longer allowed at the desk
        } else {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(DESK, copy); });
        }
      }
      return response;
    }, function (error) {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(isDesk ? DESK : request, { ignoreSearch: isDesk });
      }).then(function (kept) {
        if (kept && (!isDesk || fresh(kept))) return kept;
        throw error;
      });
    })
  );
});
