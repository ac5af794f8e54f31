// flowsd's API explorer: sends each card's request to the real API with the user's token. Everything shown
// that comes from the server or the user is set with textContent, so hostile names stay text.
(function () {
  "use strict";

  var TOKEN_KEY = "flowsd.apiToken";
  var SHOWN_HEADERS = ["content-type", "location", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

  function getToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }

  function setToken(token) {
    try {
      if (token) { sessionStorage.setItem(TOKEN_KEY, token); } else { sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* storage refused: the token lives only as long as the page */ }
  }

  // the banner says which workspace the operations will change
  function showWorkspace(token) {
    var banner = document.getElementById("banner");
    var text = document.getElementById("banner-text");
    banner.classList.remove("error");
    if (!token) {
      text.textContent = "All operations work against live data in the workspace of the API token you enter below.";
      return;
    }
    text.textContent = "Checking your token…";
    fetch("/api/v2/workspace.json", { headers: { "Authorization": "Token " + token, "Accept": "application/json" } })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) { return { resp: resp, body: body }; });
      })
      .then(function (r) {
        text.textContent = "";
        if (r.resp.ok) {
          var name = document.createElement("strong");
          name.id = "workspace-name";
          name.textContent = String(r.body.name);
          text.append("All operations work against live data in the ", name, " workspace.");
        } else {
          banner.classList.add("error");
          text.textContent = "This token was not accepted (" + r.resp.status + "): " + (r.body.detail || "no detail") +
            ". Requests will be sent with it anyway.";
        }
      })
      .catch(function (err) {
        banner.classList.add("error");
        text.textContent = "Could not reach the API: " + err;
      });
  }

  function urlOf(form) {
    var query = form.elements.query.value.trim().replace(/^\?/, "");
    return form.dataset.path + (query ? "?" + query : "");
  }

  function updatePreview(form) {
    var lines = [form.dataset.method + " " + location.origin + urlOf(form), "Authorization: Token [your API token]"];
    var body = form.elements.body;
    if (body && body.value.trim()) {
      lines.push("Content-Type: application/json", "", body.value.trim());
    }
    form.querySelector(".preview").textContent = lines.join("\n");
  }

  function showResult(form, status, headers, body) {
    var result = form.querySelector(".result");
    var line = form.querySelector(".status");
    line.textContent = status;
    line.className = "status" + (/^2/.test(status) ? " ok" : /^\d/.test(status) ? " fail" : "");
    form.querySelector(".headers").textContent = headers;
    form.querySelector(".response").textContent = body;
    result.hidden = false;
  }

  function send(form) {
    var button = form.querySelector("button[type=submit]");
    var init = { method: form.dataset.method, headers: { "Accept": "application/json; indent=4" } };
    var token = getToken();
    if (token) { init.headers["Authorization"] = "Token " + token; }
    var body = form.elements.body;
    if (body && body.value.trim()) {
      init.headers["Content-Type"] = "application/json";
      init.body = body.value;
    }
    button.disabled = true;
    showResult(form, "Sending…", "", "");
    fetch(urlOf(form), init)
      .then(function (resp) {
        return resp.text().then(function (text) {
          var headers = SHOWN_HEADERS.filter(function (h) { return resp.headers.has(h); })
            .map(function (h) { return h + ": " + resp.headers.get(h); }).join("\n");
          showResult(form, resp.status + " " + (resp.statusText || ""), headers, text === "" ? "(no body)" : pretty(text));
        });
      })
      .catch(function (err) { showResult(form, "Request failed", "", String(err)); })
      .then(function () { button.disabled = false; });
  }

  // pretty indents JSON the server didn't (an error from a proxy, say); anything else is shown as it came
  function pretty(text) {
    if (text.indexOf("\n") >= 0) { return text; }
    try { return JSON.stringify(JSON.parse(text), null, 4); } catch (e) { return text; }
  }

  var tokenForm = document.getElementById("token-form");
  var tokenInput = document.getElementById("token");
  tokenForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var token = tokenInput.value.trim();
    setToken(token);
    tokenInput.value = "";
    tokenInput.placeholder = token ? "A token is set for this tab" : "";
    showWorkspace(token);
  });
  document.getElementById("token-forget").addEventListener("click", function () {
    setToken("");
    tokenInput.value = "";
    tokenInput.placeholder = "";
    showWorkspace("");
  });

  Array.prototype.forEach.call(document.querySelectorAll("form.op"), function (form) {
    updatePreview(form);
    form.addEventListener("input", function () { updatePreview(form); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send(form);
    });
  });

  // a link to one operation (#groups-post) opens its card
  function openLinked() {
    var card = location.hash && document.getElementById(location.hash.slice(1));
    if (card && card.tagName === "DETAILS") { card.open = true; }
  }
  window.addEventListener("hashchange", openLinked);
  openLinked();

  var saved = getToken();
  if (saved) {
    tokenInput.placeholder = "A token is set for this tab";
    showWorkspace(saved);
  }
})();
