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
  // Django's JavaScript catalogue (/jsi18n/) defines gettext and interpolate in the page's
  // language; without it the English text stands.
  var t = window.gettext || function (s) { return s; };
  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

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
          return { status: 0, ok: false, data: { code: "network", message: fmt(t("No connection: %(error)s"), { error: err.message }) } };
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
    return (res.data && res.data.message) || fmt(t("Error %(status)s"), { status: res.status });
  }

  /* --- modes ------------------------------------------------------------------------------ */
  function setContext() {
    var box = $("context"), prompt = t("Scan");
    box.textContent = "";
    if (state.mode === "receive") {
      box.textContent = state.po ? fmt(t("Receiving on %(po)s"), { po: state.po }) : t("Scan the purchase order number first.");
      prompt = state.po ? t("Scan an item") : t("Scan the PO number");
    } else if (state.mode === "pack") {
      if (state.order) { showOrder(box, state.order); } else { box.textContent = t("Scan the order (posting) number."); }
      prompt = state.order ? fmt(t("Scan an item for %(order)s"), { order: state.order.external_number }) : t("Scan the order number");
    } else if (state.mode === "ship") {
      box.textContent = t("Each scanned order is handed over to the carrier."); prompt = t("Scan an order number");
    } else if (state.mode === "count") {
      box.textContent = state.countSku ? fmt(t("Counting %(sku)s (%(name)s), on hand %(on_hand)s. Type the counted quantity."),
        { sku: state.countSku.sku.code, name: state.countSku.sku.name, on_hand: state.countSku.on_hand }) : t("Scan an item to count.");
      prompt = state.countSku ? t("Counted quantity") : t("Scan an item");
    }
    $("prompt").textContent = prompt;
    $("scan").setAttribute("inputmode", state.mode === "count" && state.countSku ? "numeric" : "text");
    Array.prototype.forEach.call(document.querySelectorAll("#modes button"), function (b) {
      b.setAttribute("aria-selected", b.dataset.mode === state.mode ? "true" : "false");
    });
  }
  /* The order being packed: its number, then one line per product with its name. */
  function showOrder(box, order) {
    var head = document.createElement("strong");
    head.textContent = order.external_number;
    var list = document.createElement("ul");
    list.id = "order-lines";
    order.lines.forEach(function (l) {
      var li = document.createElement("li");
      li.className = l.packed_quantity >= l.quantity ? "done" : "todo";
      li.textContent = l.sku + " · " + l.sku_name + " — " + l.packed_quantity + "/" + l.quantity;
      list.appendChild(li);
    });
    box.appendChild(head); box.appendChild(list);
  }
  function skuName(order, code) {
    var line = (order && order.lines || []).filter(function (l) { return l.sku === code; })[0];
    return line ? code + " · " + line.sku_name : code;
  }
  var MODE_NAMES = {
    receive: function () { return t("Receive mode"); }, pack: function () { return t("Pack mode"); },
    ship: function () { return t("Ship mode"); }, count: function () { return t("Count mode"); }
  };
  function resetMode() { state.po = null; state.order = null; state.countSku = null; hideDocuments(); setContext(); }

  /* What can be printed for an order (e.g. the marketplace's package label once it is packed):
   * one button per document. The PDF is fetched with the station's own sign-in (a device token
   * travels in a header, which a plain link would not send) and saved as a download. */
  function hideDocuments() { $("documents").hidden = true; $("documents").textContent = ""; }
  function showDocuments(number) {
    return call("GET", "orders/" + encodeURIComponent(number) + "/documents/").then(function (res) {
      hideDocuments();
      if (!res.ok || !res.data.documents || !res.data.documents.length) { return; }
      res.data.documents.forEach(function (doc) {
        var button = document.createElement("button");
        button.type = "button"; button.className = "document"; button.dataset.kind = doc.kind;
        button.textContent = doc.title;
        button.addEventListener("click", function () { download(doc, button); });
        $("documents").appendChild(button);
      });
      $("documents").hidden = false;
    });
  }
  function download(doc, button) {
    button.disabled = true;
    fetch(doc.url, { headers: headers(), credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          feedback("error", errorText({ status: resp.status, data: data }));
        });
      }
      var name = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
      return resp.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name ? name[1] : "document.pdf";
        document.body.appendChild(link); link.click(); link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
        feedback("ok", fmt(t("Downloaded %(name)s"), { name: link.download }));
      });
    }).catch(function (err) {
      feedback("error", fmt(t("No connection: %(error)s"), { error: err.message }));
    }).then(function () { button.disabled = false; focusScan(); });
  }
  function setMode(mode) {
    state.mode = mode; localStorage.setItem(MODE_KEY, mode); resetMode();
    feedback("idle", MODE_NAMES[mode]()); focusScan();
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
      head.textContent = res.data.tasks.length ? fmt(t("Today's counts: %(left)s of %(total)s left"), { left: left, total: res.data.tasks.length })
                                               : t("No cycle counts planned today.");
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
    var retrying = function (n) { feedback("pending", fmt(t("Network problem — retrying (%(n)s)…"), { n: n })); done("pending", t("retrying")); };
    var finish = function (res, okText) {
      if (res.ok) { feedback("ok", okText); done("ok", okText); }
      else { feedback("error", errorText(res)); done("error", errorText(res)); }
      setContext();
      return res;
    };
    var enc = encodeURIComponent;

    if (state.mode === "receive") {
      if (!state.po || /^PO-/i.test(code)) {
        state.po = code; setContext(); feedback("ok", fmt(t("PO %(po)s"), { po: code })); done("ok", t("purchase order")); return Promise.resolve();
      }
      return call("POST", "receipts/", { purchase_order: state.po, barcode: code, quantity: 1 }, retrying)
        .then(function (res) {
          return finish(res, res.ok ? "+1 " + res.data.line.sku + " (" + res.data.line.quantity_received + "/" +
            res.data.line.quantity_ordered + ")" : "");
        });
    }
    if (state.mode === "pack") {
      if (!state.order) {
        hideDocuments();
        return call("GET", "orders/" + enc(code) + "/").then(function (res) {
          var packed = res.ok && res.data.status !== "awaiting_packaging";
          if (packed) {
            res = { ok: false, status: 409, data: { message: fmt(t("%(order)s is not awaiting packaging (%(status)s)."), { order: code, status: res.data.status }) } };
          }
          if (res.ok) { state.order = res.data; }
          finish(res, res.ok ? fmt(t("Order %(order)s"), { order: code }) : "");
          // A packed order scanned again: offer its label.
          return packed ? showDocuments(code).then(function () { return res; }) : res;
        });
      }
      return call("POST", "orders/" + enc(state.order.external_number) + "/pack-scans/", { barcode: code, quantity: 1 }, retrying)
        .then(function (res) {
          var text = "";
          if (res.ok) {
            state.order = res.data.order;
            text = res.data.order_complete ? fmt(t("Packed %(order)s"), { order: res.data.order.external_number }) :
              skuName(state.order, res.data.sku) + " " + res.data.line_packed + "/" + res.data.line_quantity;
          }
          finish(res, text);
          if (res.ok && res.data.order_complete) {
            state.order = null; setContext();
            return showDocuments(res.data.order.external_number).then(function () { return res; });
          }
          return res;
        });
    }
    if (state.mode === "ship") {
      return call("POST", "orders/" + enc(code) + "/ship/", {}, retrying).then(function (res) {
        return finish(res, fmt(t("Handed over %(order)s"), { order: code }));
      });
    }
    if (state.mode === "count") { return handleCount(code, done, retrying, finish); }
    return Promise.resolve();
  }

  /* Count mode: scan an item, then type its quantity. A scanned barcode is never taken as a
   * quantity: anything that is not a short number is a barcode, and a short number that is a
   * known barcode (or offer id) is one too; scanning another item switches to it unsaved. */
  var MAX_QUANTITY_DIGITS = 6;
  function handleCount(code, done, retrying, finish) {
    var enc = encodeURIComponent, item = state.countSku;
    function startCounting(res, replaced) {
      if (!res.ok) { return finish(res, ""); }
      state.countSku = res.data;
      if (replaced) {
        var text = fmt(t("A barcode is not a quantity: %(old)s was not counted. Now counting %(new)s: type the counted quantity."),
                       { old: replaced.sku.code, "new": res.data.sku.code });
        return finish({ ok: false, status: 400, data: { code: "barcode_not_quantity", message: text } }, "");
      }
      return finish(res, fmt(t("%(sku)s: on hand %(on_hand)s"), { sku: res.data.sku.code, on_hand: res.data.on_hand }));
    }
    if (!item) {
      return call("GET", "barcodes/" + enc(code) + "/").then(function (res) { return startCounting(res, null); });
    }
    if (code === item.barcode) {
      return Promise.resolve(finish({ ok: false, status: 400, data: { code: "barcode_not_quantity",
        message: fmt(t("That is the barcode of %(sku)s, not a quantity: type the counted quantity."), { sku: item.sku.code }) } }, ""));
    }
    var quantity = new RegExp("^\\d{1," + MAX_QUANTITY_DIGITS + "}$").test(code);
    return call("GET", "barcodes/" + enc(code) + "/").then(function (res) {
      if (res.ok) {
        if (res.data.sku.id === item.sku.id) {
          return finish({ ok: false, status: 400, data: { code: "barcode_not_quantity",
            message: fmt(t("That is the barcode of %(sku)s, not a quantity: type the counted quantity."), { sku: item.sku.code }) } }, "");
        }
        return startCounting(res, item);
      }
      if (!quantity || res.status !== 404) {
        // not a short number (an unknown code, a mis-scan), or the check failed: nothing is saved
        if (!quantity && res.status === 404 && /^\d+$/.test(code) && code.length < 8) {
          res = { ok: false, status: 400, data: { message: fmt(t("%(code)s is not a quantity: type at most %(digits)s digits."),
                                                                   { code: code, digits: MAX_QUANTITY_DIGITS }) } };
        }
        return finish(res, "");
      }
      state.countSku = null;
      return call("POST", "counts/", { barcode: item.barcode, counted: parseInt(code, 10) }, retrying)
        .then(function (saved) {
          if (!saved.ok) { state.countSku = item; }
          finish(saved, saved.ok ? fmt(t("%(sku)s: counted %(counted)s, variance %(variance)s"), { sku: item.sku.code,
            counted: saved.data.counted, variance: (saved.data.variance > 0 ? "+" : "") + saved.data.variance }) : "");
          return loadCountPlan().then(function () { return saved; });
        });
    });
  }

  /* --- sign in ---------------------------------------------------------------------------- */
  function focusScan() { var i = $("scan"); if (i && !$("station").hidden) { i.focus(); } }

  function showStation(me) {
    state.me = me;
    $("login").hidden = true; $("station").hidden = false; $("logout-form").hidden = false;
    $("who").textContent = me.device ? me.device + " · " + me.warehouse.code + " · " + me.username
                                     : fmt(t("%(user)s (staff)"), { user: me.username });
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
    $("login").hidden = false; $("station").hidden = true; $("logout-form").hidden = true;
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

  /* The sign-in code shown in the admin is a link, <site>/scan/#token=<token>: a phone's camera
   * opens it, and a handheld's scanner types it into the sign-in field. A bare token works too. */
  function tokenFrom(text) {
    var match = /[#&?]token=([A-Za-z0-9_-]+)/.exec(text || "");
    return match ? match[1] : (text || "").trim();
  }
  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, tokenFrom($("token").value)); $("token").value = "";
    signIn();
  });
  // Signing out forgets the device token here and ends a staff session on the server (the form
  // posts to /scan/sign-out/), so the next person at a shared desk starts signed out.
  $("logout-form").addEventListener("submit", function () {
    localStorage.removeItem(TOKEN_KEY); state.me = null;
  });
  Array.prototype.forEach.call(document.querySelectorAll("#modes button"), function (b) {
    b.addEventListener("click", function () { setMode(b.dataset.mode); });
  });
  $("reset").addEventListener("click", function () { resetMode(); feedback("idle", t("Ready")); focusScan(); });
  $("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("scan").value.trim(); $("scan").value = "";
    if (!code) { return; }
    queue = queue.then(function () { return handle(code); }).catch(function (err) {
      feedback("error", fmt(t("Unexpected error: %(error)s"), { error: err.message }));
    });
  });
  // Keep the scanner's keystrokes landing in the input.
  document.addEventListener("click", function (e) {
    if (!/^(INPUT|SELECT|BUTTON|A)$/.test(e.target.tagName)) { focusScan(); }
  });

  function tokenFromAddress() {
    if (!/[#&]token=/.test(location.hash)) { return false; }
    localStorage.setItem(TOKEN_KEY, tokenFrom(location.hash));
    history.replaceState(null, "", location.pathname + location.search);  // not left in history
    return true;
  }
  window.addEventListener("hashchange", function () { if (tokenFromAddress()) { signIn(); } });
  tokenFromAddress();
  signIn();
})();
