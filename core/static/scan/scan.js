/* Zapas scan station: a keyboard-wedge scanner types a code and Enter into #scan.
 * Every write carries an Idempotency-Key made once per scan; when the network fails (or the
 * server answers 429/500/502/503/504) the same request is retried with the same key, so a scan counts
 * exactly once however flaky the Wi-Fi. Scans are processed one after another, in order. */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var API = app.dataset.api;
  var TOKEN_KEY = "zapas.scan.token";
  var MODE_KEY = "zapas.scan.mode";
  var RETRY_DELAYS = [300, 700, 1500, 3000, 5000, 8000, 12000];
  var RETRYABLE = [429, 500, 502, 503, 504];
  var $ = function (id) { return document.getElementById(id); };

  var state = { me: null, mode: localStorage.getItem(MODE_KEY) || "receive",
                po: null, order: null, countSku: null, warehouse: null };
  var queue = Promise.resolve();

  function newKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function headers(extra) {
    var h = { "Accept": "application/json" };
    var token = localStorage.getItem(TOKEN_KEY);
    if (token) { h["Authorization"] = "Token " + token; } else { h["X-CSRFToken"] = app.dataset.csrf; }
    for (var k in extra || {}) { h[k] = extra[k]; }
    return h;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* One API call; writes retry on network failure with the same Idempotency-Key. */
  function call(method, path, body, onRetry) {
    var extra = {};
    if (method !== "GET") { extra["Content-Type"] = "application/json"; extra["Idempotency-Key"] = newKey(); }
    if (state.warehouse && !state.me.device) {
      path += (path.indexOf("?") < 0 ? "?" : "&") + "warehouse=" + encodeURIComponent(state.warehouse);
    }
    var init = { method: method, headers: headers(extra), credentials: "same-origin",
                 body: body === undefined ? undefined : JSON.stringify(body) };
    var attempt = 0;
    function go() {
      return fetch(API + path, init).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          // Worth retrying with the same key: a server error (a write that did commit is then
          // replayed, not repeated), a busy server (429), or the first try still running.
          if (RETRYABLE.indexOf(resp.status) >= 0 || data.code === "idempotency_key_in_progress") {
            var err = new Error("HTTP " + resp.status);
            err.retryAfter = parseFloat(resp.headers.get("Retry-After")) || 0;
            throw err;
          }
          return { status: resp.status, ok: resp.ok, data: data };
        });
      }).catch(function (err) {
        if (attempt >= RETRY_DELAYS.length) {
          return { status: 0, ok: false, data: { code: "network", message: "No connection: " + err.message } };
        }
        var delay = Math.max(RETRY_DELAYS[attempt++], (err.retryAfter || 0) * 1000);
        if (onRetry) { onRetry(attempt); }
        return sleep(delay).then(go);
      });
    }
    return go();
  }

  /* --- feedback --------------------------------------------------------------------------- */
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = ok ? "sine" : "square";
      osc.frequency.value = ok ? 1320 : 220;
      gain.gain.value = 0.2;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.12 : 0.6));
    } catch (e) { /* no audio: the colour still says it */ }
  }
  function feedback(kind, text) {
    var box = $("feedback");
    box.className = kind; box.textContent = text;
    if (kind === "ok" || kind === "error") { beep(kind === "ok"); }
    if (navigator.vibrate && kind === "error") { navigator.vibrate([120, 60, 120]); }
  }
  function logLine(text) {
    var li = document.createElement("li");
    li.className = "pending"; li.textContent = text;
    $("log").insertBefore(li, $("log").firstChild);
    while ($("log").children.length > 50) { $("log").removeChild($("log").lastChild); }
    return function (kind, detail) { li.className = kind; li.textContent = text + " — " + detail; };
  }
  function errorText(res) {
    return (res.data && res.data.message) || ("Error " + res.status);
  }

  /* --- modes ------------------------------------------------------------------------------ */
  function setContext() {
    var ctx = "", prompt = "Scan";
    if (state.mode === "receive") {
      ctx = state.po ? "Receiving on " + state.po : "Scan the purchase order number first.";
      prompt = state.po ? "Scan an item" : "Scan the PO number";
    } else if (state.mode === "pack") {
      ctx = state.order ? orderSummary(state.order) : "Scan the order (posting) number.";
      prompt = state.order ? "Scan an item for " + state.order.external_number : "Scan the order number";
    } else if (state.mode === "ship") {
      ctx = "Each scanned order is handed over to the carrier."; prompt = "Scan an order number";
    } else if (state.mode === "count") {
      ctx = state.countSku ? "Counting " + state.countSku.sku.code + " (" + state.countSku.sku.name +
        "), on hand " + state.countSku.on_hand + ". Type the counted quantity." : "Scan an item to count.";
      prompt = state.countSku ? "Counted quantity" : "Scan an item";
    }
    $("context").textContent = ctx; $("prompt").textContent = prompt;
    $("scan").setAttribute("inputmode", state.mode === "count" && state.countSku ? "numeric" : "text");
    Array.prototype.forEach.call(document.querySelectorAll("#modes button"), function (b) {
      b.setAttribute("aria-selected", b.dataset.mode === state.mode ? "true" : "false");
    });
  }
  function orderSummary(order) {
    return order.external_number + ": " + order.lines.map(function (l) {
      return l.sku + " " + l.packed_quantity + "/" + l.quantity;
    }).join(", ");
  }
  function resetMode() { state.po = null; state.order = null; state.countSku = null; setContext(); }
  function setMode(mode) {
    state.mode = mode; localStorage.setItem(MODE_KEY, mode); resetMode();
    feedback("idle", mode.charAt(0).toUpperCase() + mode.slice(1) + " mode"); focusScan();
    loadCountPlan();
  }

  /* Count mode lists today's cycle counts (most urgent first); counted ones are struck out. */
  function loadCountPlan() {
    var box = $("count-plan");
    if (state.mode !== "count") { box.hidden = true; return Promise.resolve(); }
    return call("GET", "cycle-counts/").then(function (res) {
      if (state.mode !== "count") { return; }
      box.innerHTML = "";
      if (!res.ok) { box.hidden = true; return; }
      var left = res.data.tasks.filter(function (t) { return !t.done; }).length;
      var head = document.createElement("li");
      head.className = "head";
      head.textContent = res.data.tasks.length ? "Today's counts: " + left + " of " + res.data.tasks.length + " left"
                                               : "No cycle counts planned today.";
      box.appendChild(head);
      res.data.tasks.forEach(function (t) {
        var li = document.createElement("li");
        li.className = t.done ? "done" : "todo";
        li.textContent = t.rank + ". " + t.sku + " · " + t.name + (t.barcode ? " · " + t.barcode : "") + " (" + t.abc_class + ")";
        box.appendChild(li);
      });
      box.hidden = false;
    });
  }

  function handle(code) {
    var done = logLine(state.mode + ": " + code);
    var retrying = function (n) { feedback("pending", "Network problem — retrying (" + n + ")…"); done("pending", "retrying"); };
    var finish = function (res, okText) {
      if (res.ok) { feedback("ok", okText); done("ok", okText); }
      else { feedback("error", errorText(res)); done("error", errorText(res)); }
      setContext();
      return res;
    };
    var enc = encodeURIComponent;

    if (state.mode === "receive") {
      if (!state.po || /^PO-/i.test(code)) {
        state.po = code; setContext(); feedback("ok", "PO " + code); done("ok", "purchase order"); return Promise.resolve();
      }
      return call("POST", "receipts/", { purchase_order: state.po, barcode: code, quantity: 1 }, retrying)
        .then(function (res) {
          return finish(res, res.ok ? "+1 " + res.data.line.sku + " (" + res.data.line.quantity_received + "/" +
            res.data.line.quantity_ordered + ")" : "");
        });
    }
    if (state.mode === "pack") {
      if (!state.order) {
        return call("GET", "orders/" + enc(code) + "/").then(function (res) {
          if (res.ok && res.data.status !== "awaiting_packaging") {
            res = { ok: false, status: 409, data: { message: code + " is not awaiting packaging (" + res.data.status + ")." } };
          }
          if (res.ok) { state.order = res.data; }
          return finish(res, res.ok ? "Order " + code : "");
        });
      }
      return call("POST", "orders/" + enc(state.order.external_number) + "/pack-scans/", { barcode: code, quantity: 1 }, retrying)
        .then(function (res) {
          var text = "";
          if (res.ok) {
            state.order = res.data.order;
            text = res.data.order_complete ? "Packed " + res.data.order.external_number :
              res.data.sku + " " + res.data.line_packed + "/" + res.data.line_quantity;
          }
          finish(res, text);
          if (res.ok && res.data.order_complete) { state.order = null; setContext(); }
          return res;
        });
    }
    if (state.mode === "ship") {
      return call("POST", "orders/" + enc(code) + "/ship/", {}, retrying).then(function (res) {
        return finish(res, "Handed over " + code);
      });
    }
    if (state.mode === "count") {
      if (!state.countSku) {
        return call("GET", "barcodes/" + enc(code) + "/").then(function (res) {
          if (res.ok) { state.countSku = res.data; }
          return finish(res, res.ok ? res.data.sku.code + ": on hand " + res.data.on_hand : "");
        });
      }
      if (!/^\d{1,7}$/.test(code)) {
        finish({ ok: false, status: 400, data: { message: "Type the counted quantity as a whole number." } });
        return Promise.resolve();
      }
      var item = state.countSku; state.countSku = null;
      return call("POST", "counts/", { barcode: item.barcode, counted: parseInt(code, 10) }, retrying)
        .then(function (res) {
          finish(res, res.ok ? item.sku.code + ": counted " + res.data.counted + ", variance " +
            (res.data.variance > 0 ? "+" : "") + res.data.variance : "");
          return loadCountPlan().then(function () { return res; });
        });
    }
    return Promise.resolve();
  }

  /* --- sign in ---------------------------------------------------------------------------- */
  function focusScan() { var i = $("scan"); if (i && !$("station").hidden) { i.focus(); } }

  function showStation(me) {
    state.me = me;
    $("login").hidden = true; $("station").hidden = false; $("logout").hidden = false;
    $("who").textContent = me.device ? me.device + " · " + me.warehouse.code + " · " + me.username
                                     : me.username + " (staff)";
    if (!me.device) {
      var sel = $("warehouse"); sel.innerHTML = "";
      me.warehouses.forEach(function (w) {
        var o = document.createElement("option"); o.value = w.code; o.textContent = w.code + " · " + w.name; sel.appendChild(o);
      });
      state.warehouse = sel.value || null;
      sel.onchange = function () { state.warehouse = sel.value; resetMode(); focusScan(); };
      $("warehouse-picker").hidden = false;
    }
    setMode(state.mode);
  }
  function showLogin(message) {
    $("login").hidden = false; $("station").hidden = true; $("logout").hidden = true;
    $("who").textContent = ""; $("login-error").textContent = message || ""; $("token").focus();
  }
  function signIn() {
    return call("GET", "me/").then(function (res) {
      if (res.ok) { showStation(res.data); return; }
      var had = localStorage.getItem(TOKEN_KEY);
      localStorage.removeItem(TOKEN_KEY);
      showLogin(had ? errorText(res) : "");
    });
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, $("token").value.trim()); $("token").value = "";
    signIn();
  });
  $("logout").addEventListener("click", function () {
    localStorage.removeItem(TOKEN_KEY); state.me = null; showLogin("");
  });
  Array.prototype.forEach.call(document.querySelectorAll("#modes button"), function (b) {
    b.addEventListener("click", function () { setMode(b.dataset.mode); });
  });
  $("reset").addEventListener("click", function () { resetMode(); feedback("idle", "Ready"); focusScan(); });
  $("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("scan").value.trim(); $("scan").value = "";
    if (!code) { return; }
    queue = queue.then(function () { return handle(code); }).catch(function (err) {
      feedback("error", "Unexpected error: " + err.message);
    });
  });
  // Keep the scanner's keystrokes landing in the input.
  document.addEventListener("click", function (e) {
    if (!/^(INPUT|SELECT|BUTTON|A)$/.test(e.target.tagName)) { focusScan(); }
  });

  signIn();
})();
