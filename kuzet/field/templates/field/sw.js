// Kuzet field app service worker, version {{ version }} (a hash of every file it caches).
// Caches the shell only; the data live in IndexedDB, encrypted (store.js), so that no
// update of this worker can ever delete a record. A new version waits until the page
// tells it to take over (the user is asked; never in the middle of a form).
const VERSION = "{{ version }}";
const CACHE = `kuzet-shell-${VERSION}`;
const ASSETS = {{ assets|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, { cache: "reload" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("kuzet-shell-") && n !== CACHE).map((n) => caches.delete(n))),
    ).then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "take-over") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // the API is never cached
  const shellPage = url.pathname === "/field/" || url.pathname === "/field/index.html";
  event.respondWith(
    caches.match(shellPage ? "/field/" : request, { ignoreSearch: shellPage }).then(
      (cached) => cached || fetch(request),
    ),
  );
});
