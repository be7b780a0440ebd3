// "Notify this device": subscribe this browser to push and store the subscription as
// one of the user's channels. The server's key comes from the API; nothing else is sent.
(function () {
  "use strict";

  var box = document.querySelector("[data-push-device]");
  if (!box) return;
  var button = box.querySelector("[data-push-subscribe]");
  var status = box.querySelector("[data-push-status]");
  var amounts = box.querySelector("[data-push-amounts]");

  function say(text) { status.textContent = text; }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser does not take push notifications. On an iPhone or iPad, add potwise to the Home Screen and open it from there.");
    return;
  }
  button.disabled = false;
  say("");

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function deviceName() {
    var agent = navigator.userAgent || "";
    if (/iPhone|iPad/.test(agent)) return "iPhone or iPad";
    if (/Android/.test(agent)) return "Android phone";
    if (/Mac OS X/.test(agent)) return "Mac";
    if (/Windows/.test(agent)) return "Windows computer";
    return "This device";
  }

  function problem(answer) {
    return answer.json().then(function (body) {
      throw new Error((body && body.error && body.error.message) || "The server refused this device.");
    }, function () {
      throw new Error("The server refused this device (" + answer.status + ").");
    });
  }

  function subscribe(registration, key) {
    var options = { userVisibleOnly: true, applicationServerKey: keyBytes(key) };
    return registration.pushManager.subscribe(options).catch(function (error) {
      // Subscribed before with another key (the server's key changed): start again.
      return registration.pushManager.getSubscription().then(function (old) {
        if (!old) throw error;
        return old.unsubscribe().then(function () {
          return registration.pushManager.subscribe(options);
        });
      });
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("Asking this browser…");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications are blocked for this site: allow them in the browser's settings, then try again.");
      }
      return Promise.all([
        fetch("/api/v1/notifications/webpush/key", { credentials: "same-origin" }).then(function (answer) {
          return answer.ok ? answer.json() : problem(answer);
        }),
        navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
          return navigator.serviceWorker.ready;
        })
      ]);
    }).then(function (got) {
      return subscribe(got[1], got[0].public_key);
    }).then(function (subscription) {
      return fetch("/api/v1/notifications/channels", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          kind: "webpush",
          name: deviceName(),
          subscription: subscription.toJSON(),
          show_amounts: !!(amounts && amounts.checked)
        })
      });
    }).then(function (answer) {
      if (!answer.ok) return problem(answer);
      window.location.assign("/settings/notifications?flash=push_added");
    }).catch(function (error) {
      say(error && error.message ? error.message : "This device could not be set up for notifications.");
      button.disabled = false;
    });
  });
})();
