// Docs enhancements; every page reads fine without them.
(function () {
  "use strict";
  var COPY = document.documentElement.lang.indexOf("zh") === 0 ? ["复制", "已复制"] : ["Copy", "Copied"];

  var KEY_PLACEHOLDER = "YOUR_API_KEY";
  var copyIds = 0;

  // A Copy button on every code block; the copying itself is the site's one data-copy
  // behaviour (static/js/atrium.js), so it copies exactly the text the block shows.
  function addCopyButtons(root) {
    root.querySelectorAll(".highlight").forEach(function (block) {
      var code = block.querySelector("code");
      if (!code || block.querySelector(".copy-button")) return;
      if (!code.id) code.id = "code-block-" + (++copyIds);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-light border copy-button";
      button.textContent = COPY[0];
      button.dataset.copy = code.id;
      button.dataset.copied = COPY[1];
      block.appendChild(button);
    });
  }

  // Where an example reads the key from the environment, and what a filled example says
  // instead (JSON.stringify: a string literal in Python and JavaScript alike). Python and
  // JavaScript first, so that `${process.env.ATRIUM_API_KEY}` becomes `${"atr_live_..."}`.
  var KEY_READS = [
    [/os\.environ\[\s*(["'])ATRIUM_API_KEY\1\s*\]/g, JSON.stringify],
    [/os\.(?:environ\.get|getenv)\(\s*(["'])ATRIUM_API_KEY\1\s*(?:,[^()]*)?\)/g, JSON.stringify],
    [/process\.env(?:\.ATRIUM_API_KEY(?![\w$])|\[\s*(["'])ATRIUM_API_KEY\1\s*\])/g, JSON.stringify],
    [/\$(?:\{ATRIUM_API_KEY\}|ATRIUM_API_KEY(?!\w))/g, String],
  ];

  // Replaces every match of `pattern` in the text of `code` with `replacement`, across the
  // highlighter's spans: the replacement goes where the match starts (keeping that span's
  // colour) and the rest of the match is cut from the spans it reached into.
  function replaceAcrossNodes(code, pattern, replacement) {
    var nodes = [];
    var text = "";
    var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      nodes.push({ node: node, start: text.length, end: text.length + node.nodeValue.length });
      text += node.nodeValue;
    }
    var matches = [];
    pattern.lastIndex = 0;
    for (var match = pattern.exec(text); match; match = pattern.exec(text)) {
      matches.push([match.index, match.index + match[0].length]);
    }
    // Last match first: an edit changes only text after its own start, so the offsets of
    // the earlier matches still hold.
    matches.reverse().forEach(function (range) {
      var placed = false;
      nodes.forEach(function (entry) {
        if (entry.end <= range[0] || entry.start >= range[1]) return;
        var value = entry.node.nodeValue;
        var from = Math.max(range[0], entry.start) - entry.start;
        var to = Math.min(range[1], entry.end) - entry.start;
        entry.node.nodeValue = value.slice(0, from) + (placed ? "" : replacement) + value.slice(to);
        placed = true;
      });
    });
  }

  // A key created on this page (the quickstart card's data-api-key) goes into every example,
  // for as long as the page is open: the placeholder in step 3, and wherever an example reads
  // ATRIUM_API_KEY from the environment, so each runs as copied, even in a new terminal.
  // The secret is never stored: after a reload the examples read the environment again.
  function fillKey() {
    var holders = document.querySelectorAll("[data-api-key]");
    if (!holders.length) return;
    var secret = holders[holders.length - 1].dataset.apiKey;
    if (!secret) return;
    document.querySelectorAll(".docs-content pre code").forEach(function (code) {
      if (code.closest("[data-api-key]")) return;  // the key box's own setup keeps its export
      replaceAcrossNodes(code, new RegExp(KEY_PLACEHOLDER, "g"), secret);
      KEY_READS.forEach(function (read) {
        replaceAcrossNodes(code, read[0], read[1](secret));
      });
    });
  }

  // Choosing a language in one tab set chooses it in every set on the page, and is remembered.
  function syncTabs(root) {
    var preferred = localStorage.getItem("atrium-docs-tab");
    root.querySelectorAll(".tabbed-set").forEach(function (set) {
      set.querySelectorAll(".tabbed-labels > label").forEach(function (label) {
        var input = document.getElementById(label.htmlFor);
        if (preferred && label.textContent === preferred) input.checked = true;
        label.addEventListener("click", function () {
          localStorage.setItem("atrium-docs-tab", label.textContent);
          document.querySelectorAll(".tabbed-labels > label").forEach(function (other) {
            if (other.textContent === label.textContent) document.getElementById(other.htmlFor).checked = true;
          });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons(document);
    syncTabs(document);
    fillKey();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    addCopyButtons(event.target);
    fillKey();
  });
})();
