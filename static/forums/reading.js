// Time spent reading a thread, for trust levels (community/forums/services/reading.py).
// Counts the seconds the page is visible and, when it is hidden or left, sends the
// visit's total so far with navigator.sendBeacon (the server grants only what it has not
// counted yet, capped per visit). Signed-in readers only: the page holds the element.
(function () {
  "use strict";
  const beacon = document.querySelector("[data-read-beacon]");
  if (!beacon || !navigator.sendBeacon) return;
  const url = beacon.dataset.readBeacon;
  let counted = 0; // milliseconds visible before the current stretch
  let visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  let sent = 0;

  function seconds() {
    const current = visibleSince === null ? 0 : performance.now() - visibleSince;
    return Math.floor((counted + current) / 1000);
  }

  function send() {
    const total = seconds();
    if (total <= sent) return;
    const body = new FormData();
    // The page's forms carry the CSRF token (one per page: forums/pagecache.py).
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!token) return;
    body.append("csrfmiddlewaretoken", token.value);
    body.append("visit", beacon.dataset.visit);
    body.append("seconds", String(total));
    if (navigator.sendBeacon(url, body)) sent = total;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (visibleSince !== null) {
        counted += performance.now() - visibleSince;
        visibleSince = null;
      }
      send();
    } else if (visibleSince === null) {
      visibleSince = performance.now();
    }
  });
  window.addEventListener("pagehide", send);
})();
