// Docs enhancements; every page reads fine without them.
(function () {
  "use strict";
  var COPY = document.documentElement.lang.indexOf("zh") === 0 ? ["复制", "已复制"] : ["Copy", "Copied"];

  function addCopyButtons(root) {
    root.querySelectorAll(".highlight").forEach(function (block) {
      if (block.querySelector(".copy-button")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-light border copy-button";
      button.textContent = COPY[0];
      button.addEventListener("click", function () {
        var code = block.querySelector("code");
        navigator.clipboard.writeText(code.innerText).then(function () {
          button.textContent = COPY[1];
          setTimeout(function () { button.textContent = COPY[0]; }, 1500);
        });
      });
      block.appendChild(button);
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
  });
  document.addEventListener("htmx:afterSwap", function (event) { addCopyButtons(event.target); });
})();
