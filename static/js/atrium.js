// Behaviour the templates ask for with data-* attributes, so that no page needs an inline
// event handler (the Content-Security-Policy allows scripts only from static files).
// Listeners sit on the document, so markup that htmx swaps in works too.
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option submits its form (a <noscript> button
  // does it without JavaScript).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (!select || !select.form) return;
    if (select.form.requestSubmit) select.form.requestSubmit();
    else select.form.submit();
  });

  // <form data-confirm="Question?">: submits only once the question is answered OK.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // <button data-copy="ID" data-copied="Copied">: copies the value (or text) of #ID, exactly
  // as shown; the site's one copy behaviour (the docs' code blocks use it too).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    function copied() {
      if (!button.dataset.copied) return;
      if (!button.dataset.label) button.dataset.label = button.textContent;
      button.textContent = button.dataset.copied;
      clearTimeout(button.copiedTimer);
      button.copiedTimer = setTimeout(function () { button.textContent = button.dataset.label; }, 1500);
    }
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(copied, function () {
        if (source.select) source.select();  // leave it selected for Ctrl-C
      });
    } else if (source.select) {
      source.select();
    }
  });

  // <span data-local-time data-starts="ISO" data-ends="ISO" data-zone="Europe/Paris"
  // data-label="Your time" hidden>: an event's times in the reader's own zone, shown only
  // when it differs from the event's (the page already gives the event's zone).
  function localTimes(root) {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var reader = Intl.DateTimeFormat().resolvedOptions().timeZone;
    root.querySelectorAll("[data-local-time]").forEach(function (span) {
      if (!reader || reader === span.dataset.zone) return;
      var starts = new Date(span.dataset.starts), ends = new Date(span.dataset.ends);
      if (isNaN(starts) || isNaN(ends)) return;
      var time = { hour: "numeric", minute: "2-digit" };
      var date = { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
      var zoned = function (options) { return Object.assign({ timeZoneName: "short" }, options); };
      var sameDay = starts.toDateString() === ends.toDateString();
      var end = new Intl.DateTimeFormat(undefined, zoned(sameDay ? time : date)).format(ends);
      span.textContent = span.dataset.label + ": " + new Intl.DateTimeFormat(undefined, date).format(starts) + "–" + end;
      span.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localTimes(event.target); });
})();
