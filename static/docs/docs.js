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

  // A key created on this page (the quickstart card's data-api-key) replaces the placeholder
  // in every example, for as long as the page is open. The secret is never stored: after a
  // reload the examples show the placeholder again.
  function fillKey() {
    var holders = document.querySelectorAll("[data-api-key]");
    if (!holders.length) return;
    var secret = holders[holders.length - 1].dataset.apiKey;
    if (!secret) return;
    document.querySelectorAll(".docs-content pre code").forEach(function (code) {
      var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.nodeValue.indexOf(KEY_PLACEHOLDER) !== -1) {
          node.nodeValue = node.nodeValue.split(KEY_PLACEHOLDER).join(secret);
        }
      }
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
