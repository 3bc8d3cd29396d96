"use strict";

// ReDoc's side menu shows Redocly's logo from cdn.redoc.ly. This page's
// Content-Security-Policy refuses images from other origins, and the browser reports
// each refusal as a violation. Here an image gets an empty source instead, which fails
// at once without a request; ReDoc then leaves its logo out, as it does when the CDN
// is unreachable. React sets an image's source both as an attribute and as a property,
// so both are covered. Loaded before ReDoc's bundle.
(() => {
  const image = HTMLImageElement.prototype;
  const source = Object.getOwnPropertyDescriptor(image, "src");
  const setAttribute = Element.prototype.setAttribute;
  const thisOriginOnly = (value) => {
    const url = new URL(String(value), document.baseURI);
    const elsewhere = url.protocol.startsWith("http") && url.origin !== window.location.origin;
    return elsewhere ? "" : String(value);
  };
  Object.defineProperty(image, "src", {
    ...source,
    set(value) {
      source.set.call(this, thisOriginOnly(value));
    },
  });
  image.setAttribute = function (name, value) {
    return setAttribute.call(this, name, name.toLowerCase() === "src" ? thisOriginOnly(value) : value);
  };
})();
