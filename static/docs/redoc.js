// Starts Redoc on the API reference page (templates/docs/redoc.html), from a static file
// because the Content-Security-Policy refuses inline scripts.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  Redoc.init(
    container.dataset.schemaUrl,
    { hideDownloadButton: false, expandResponses: "200,201", pathInMiddlePanel: true },
    container
  );
})();
