// Applies the saved theme before the page paints. No saved choice: follow the system.
(function () {
  try {
    var saved = window.localStorage.getItem("potwise-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) {
    // Storage can be disabled; the system theme still applies.
  }
})();
