/* The stocktake pages' service worker: lets a stocktake page open when the server
   cannot be reached (a phone in the stacks, out of the wifi's reach, reloading), so the
   scans kept in the page's queue are not stranded and scanning goes on. It answers only
   when the network fails, only for the stocktake pages and the static files, from the
   copies kept when they last came from the network (and those stocktake.js put in the
   cache); everything else, and every POST, goes to the network as if there were no
   worker. A copy older than a working day is not used, and signing out (or a page
   found to need a login again) forgets it. */
"use strict";

var CACHE = "shuxiang-stocktake";
var MAX_AGE_MS = 12 * 60 * 60 * 1000;
var FOLDER = new URL(self.registration.scope).pathname;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function isStocktakePage(path) {
  var rest = path.slice(FOLDER.length);
  return path.indexOf(FOLDER) === 0 && /^\d+\/$/.test(rest);
}

function fresh(response) {
  var date = Date.parse(response.headers.get("date") || "");
  return isNaN(date) || Date.now() - date < MAX_AGE_MS;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isPage = request.mode === "navigate" && isStocktakePage(url.pathname);
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isPage && !isStatic) return;
  var key = isPage ? url.pathname : request;
  event.respondWith(
    fetch(request).then(function (response) {
      if (isPage) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          // Redirected: signed out, or the login no longer may scan.
          return response.redirected || !response.ok ? cache.delete(key) : cache.put(key, copy);
        });
      }
      return response;
    }, function (error) {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(key, { ignoreSearch: isPage });
      }).then(function (kept) {
        if (kept && (!isPage || fresh(kept))) return kept;
        throw error;
      });
    })
  );
});
