// Small enhancements; every page works without them.
(function () {
  "use strict";

  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function effectiveTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") return chosen;
    return media && media.matches ? "dark" : "light";
  }

  function syncToggle(button) {
    var dark = effectiveTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.setAttribute("aria-label", dark ? "Switch to light theme" : "Switch to dark theme");
  }

  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    syncToggle(toggle);
    toggle.addEventListener("click", function () {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem("potwise-theme", next);
      } catch (e) {
        // Not persisted, but still switched for this page.
      }
      syncToggle(toggle);
    });
    if (media && media.addEventListener) {
      media.addEventListener("change", function () { syncToggle(toggle); });
    }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      }
    });
  });
})();
