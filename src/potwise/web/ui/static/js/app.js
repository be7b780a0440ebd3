// Small enhancements; every page works without them.
(function () {
  "use strict";

  // The service worker (/sw.js) makes potwise installable, shows pushed notices and
  // the offline page; it never keeps figures.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // Without it the site works as before; nothing to tell the user.
    });
  }

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

  // On a narrow screen the section's pages scroll sideways: show the current one.
  var current = document.querySelector(".sub-nav [aria-current='page']");
  if (current) {
    var row = current.closest("ul");
    if (row && row.scrollWidth > row.clientWidth) {
      row.scrollLeft = current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2;
    }
  }

  // A chart too wide for the screen scrolls in its box: start at the chosen month.
  document.querySelectorAll(".chart-scroll").forEach(function (box) {
    var chosen = box.querySelector(".is-selected");
    if (!chosen || box.scrollWidth <= box.clientWidth) return;
    var at = chosen.getBoundingClientRect().left - box.getBoundingClientRect().left;
    box.scrollLeft = Math.max(0, at - box.clientWidth / 2);
  });

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
