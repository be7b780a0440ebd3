// Starts Swagger UI on /api/docs. A file of our own rather than an inline script, so the
// docs page keeps `script-src 'self'`. The bundle and its CSS come from a Python package.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The online validator's badge would load an image from elsewhere: none.
    validatorUrl: null,
  });
})();
