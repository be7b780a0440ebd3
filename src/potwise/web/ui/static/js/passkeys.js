// Passkeys: the two WebAuthn ceremonies the pages use, registering one (Settings)
// and signing in with one (the sign-in page and its code step). The server sends
// the options as JSON with binary fields in base64url; the answer goes back the
// same way. Buttons stay hidden where the browser has no WebAuthn.
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/");
    while (padded.length % 4) padded += "=";
    var binary = window.atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var message = data && data.error ? data.error.message : "Something went wrong. Try again.";
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function explain(error) {
    if (error && error.name === "NotAllowedError") return "The passkey request was cancelled or timed out.";
    if (error && error.name === "InvalidStateError") return "That passkey is registered already.";
    return error && error.message ? error.message : "The passkey did not work. Try again.";
  }

  function say(box, text) {
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function register(form) {
    var box = form.querySelector("[data-passkey-error]");
    var name = form.querySelector("input[name=name]").value.trim();
    if (!name) { say(box, "Give the passkey a name, e.g. “My phone”."); return; }
    say(box, "");
    post("/api/v1/auth/passkeys/register/options").then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post("/api/v1/auth/passkeys/register", {
        name: name,
        credential: {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            attestationObject: toText(response.attestationObject),
            transports: response.getTransports ? response.getTransports() : []
          },
          clientExtensionResults: credential.getClientExtensionResults(),
          authenticatorAttachment: credential.authenticatorAttachment
        }
      });
    }).then(function () {
      window.location.assign("/settings?flash=passkey_added");
    }).catch(function (error) { say(box, explain(error)); });
  }

  function signIn(button) {
    var box = document.querySelector("[data-passkey-error]");
    var pending = button.getAttribute("data-pending-token");
    say(box, "");
    post("/api/v1/auth/passkeys/login/options", pending ? { pending_token: pending } : {})
      .then(function (options) {
        options.challenge = toBytes(options.challenge);
        options.allowCredentials = descriptors(options.allowCredentials);
        return navigator.credentials.get({ publicKey: options });
      }).then(function (credential) {
        var response = credential.response;
        return post("/api/v1/auth/passkeys/login", {
          credential: {
            id: credential.id,
            rawId: toText(credential.rawId),
            type: credential.type,
            response: {
              clientDataJSON: toText(response.clientDataJSON),
              authenticatorData: toText(response.authenticatorData),
              signature: toText(response.signature),
              userHandle: response.userHandle ? toText(response.userHandle) : null
            },
            clientExtensionResults: credential.getClientExtensionResults(),
            authenticatorAttachment: credential.authenticatorAttachment
          }
        });
      }).then(function () {
        window.location.assign(button.getAttribute("data-next") || "/");
      }).catch(function (error) { say(box, explain(error)); });
  }

  document.querySelectorAll("[data-passkey-register]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      register(form);
    });
  });
  document.querySelectorAll("[data-passkey-sign-in]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { signIn(button); });
  });
})();
