// Starts Redoc on the API reference page (templates/docs/redoc.html), from a static file
// because the Content-Security-Policy refuses inline scripts.
(function () {
  "use strict";

  // Redoc's sidebar shows Redocly's logo from cdn.redoc.ly and has no option to leave it
  // out (drf-spectacular-sidecar issue #11). Nothing on this site is fetched from another
  // host: an image source elsewhere is emptied before the browser sees it (React sets it
  // both as an attribute and as a property), the image fails without a request, and
  // Redoc's logo hides itself on that error.
  function onThisSite(value) {
    var url = new URL(String(value), document.baseURI);
    return /^https?:$/.test(url.protocol) && url.origin !== location.origin ? "" : value;
  }
  var image = HTMLImageElement.prototype;
  var setAttribute = image.setAttribute;
  image.setAttribute = function (name, value) {
    return setAttribute.call(this, name, String(name).toLowerCase() === "src" ? onThisSite(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(image, "src");
  Object.defineProperty(image, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: function () { return src.get.call(this); },
    set: function (value) { src.set.call(this, onThisSite(value)); },
  });

  var container = document.getElementById("redoc-container");
  Redoc.init(
    container.dataset.schemaUrl,
    { hideDownloadButton: false, expandResponses: "200,201", pathInMiddlePanel: true },
    container
  );
})();
