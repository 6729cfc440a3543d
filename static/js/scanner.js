// Forum's scanner: check-in at the door with a camera, a keyboard-wedge scanner or a name search,
// with or without network.
//
// The device token comes in the URL's fragment (#token=…&entrance=…; a fragment never reaches a
// server or a log) and is kept in this device's storage. The app keeps the event's check-in list
// (code → name, organisation, status) on the device and answers every scan from it at once; each
// scan also goes into a queue with its own client id and is sent to the check-in API. When the
// server answers quickly its answer is shown; otherwise the local answer stands and the queue is
// synced when the network returns. Sending a scan twice is harmless: the server records a
// client_scan_id once.
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const T = config.texts;
  const KEY = `forum-scanner:${config.slug}:`;
  const SERVER_WAIT_MS = 700; // after this the local answer is shown (every scan answers within a second)
  const REFRESH_MS = 10000;
  const $ = (id) => document.getElementById(id);

  const store = {
    get(name, fallback) {
      try {
        const value = localStorage.getItem(KEY + name);
        return value === null ? fallback : JSON.parse(value);
      } catch {
        return fallback;
      }
    },
    set(name, value) {
      localStorage.setItem(KEY + name, JSON.stringify(value));
    },
  };

  const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  // Clock times in the event's time zone (the venue's), whatever zone the phone is set to.
  const time = (iso) => {
    if (!iso) return "";
    const d = new Date(iso);
    const locale = config.language === "en" ? "en-GB" : "sv-SE";
    try {
      return d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: config.timeZone });
    } catch (error) {
      return d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }); // a zone the browser lacks
    }
  };
  const newId = () =>
    crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const normalise = (code) => (code || "").toUpperCase().replace(/[^0-9A-Z]/g, "");

  // --- the device's token and entrance -----------------------------------------------------------

  function takeFragment() {
    if (!location.hash) return;
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.get("token")) {
      store.set("token", params.get("token"));
      store.set("entrance", params.get("entrance") || "");
      store.set("list", {}); // a new device starts with a fresh list
      store.set("since", null);
    }
    history.replaceState(null, "", location.pathname); // the token leaves the address bar
  }

  // --- state -------------------------------------------------------------------------------------

  let token = null;
  let entrance = "";
  let list = {}; // code → {code, name, organisation, status, checked_in_at}
  let queue = []; // scans not yet confirmed by the server
  let log = []; // the last scans shown on this device
  let online = navigator.onLine;
  let counts = null;
  let revokedDevice = false;

  function save() {
    store.set("list", list);
    store.set("queue", queue);
    store.set("log", log.slice(0, 30));
  }

  // --- talking to the API ------------------------------------------------------------------------

  async function api(path, options = {}) {
    const response = await fetch(config.api + path, {
      ...options,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(options.headers || {}) },
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 401) {
      revokedDevice = true;
      render();
    }
    return response;
  }

  function setOnline(value) {
    online = value;
    renderStatus();
  }

  async function refreshList(full = false) {
    if (!token || revokedDevice) return;
    const since = full ? null : store.get("since", null);
    const query = since ? `?since=${encodeURIComponent(since)}` : "";
    try {
      const response = await api(`/checkin-list${query}`);
      if (!response.ok) return;
      const data = await response.json();
      if (!since) list = {};
      for (const entry of data.entries) list[entry.code] = entry;
      // Scans this device has not synced yet stay as they are locally.
      for (const scan of queue) {
        if (scan.localResult === "ok" && list[scan.code]) {
          list[scan.code] = { ...list[scan.code], status: "checked_in", checked_in_at: scan.scanned_at };
        }
      }
      store.set("since", data.as_of);
      counts = data.counts;
      save();
      setOnline(true);
    } catch {
      setOnline(false);
    }
    renderCounts();
  }

  async function send(scan) {
    const response = await api("/checkins", {
      method: "POST",
      body: JSON.stringify({
        code: scan.code,
        entrance: scan.entrance,
        scanned_at: scan.scanned_at,
        client_scan_id: scan.client_scan_id,
      }),
    });
    if (response.status >= 500) throw new Error(`server ${response.status}`);
    const body = await response.json().catch(() => ({}));
    queue = queue.filter((item) => item.client_scan_id !== scan.client_scan_id);
    if (response.ok) {
      applyServer(scan, body);
    }
    save();
    renderStatus();
    return response.ok ? body : null;
  }

  let syncing = false;
  async function sync() {
    if (syncing || !token || revokedDevice || queue.length === 0) return;
    syncing = true;
    try {
      for (const scan of [...queue]) {
        await send(scan);
      }
      setOnline(true);
    } catch {
      setOnline(false);
    } finally {
      syncing = false;
      renderStatus();
    }
  }

  // --- a scan ------------------------------------------------------------------------------------

  function localAnswer(code) {
    const entry = list[code];
    if (!entry) return { result: "unknown", local: true };
    const registration = { name: entry.name, organisation: entry.organisation, role_label: entry.role_label };
    const byStatus = {
      confirmed: "ok",
      checked_in: "already_checked_in",
      waiting: "waiting_list",
      cancelled: "cancelled",
      declined: "declined",
      pending: "pending",
      revoked: "revoked",
    };
    const result = byStatus[entry.status] || "unknown";
    return {
      result,
      registration,
      checked_in_at: result === "already_checked_in" ? entry.checked_in_at : null,
      earlier: result === "already_checked_in" ? { at: entry.checked_in_at, entrance: entry.entrance || "", by: null, device: null } : null,
      local: true,
    };
  }

  function applyLocal(code, answer, scannedAt) {
    const entry = list[code];
    if (entry && answer.result === "ok") {
      list[code] = { ...entry, status: "checked_in", checked_in_at: scannedAt, entrance };
    }
  }

  function applyServer(scan, body) {
    const entry = list[scan.code];
    if (!entry) return;
    if (body.result === "ok" || body.result === "already_checked_in") {
      list[scan.code] = { ...entry, status: "checked_in", checked_in_at: body.checked_in_at || scan.scanned_at };
    }
    const shown = log.find((item) => item.client_scan_id === scan.client_scan_id);
    if (shown) {
      shown.result = body.result;
      shown.checkin_id = body.checkin_id;
      shown.synced = true;
      renderLog();
    }
  }

  async function handle(raw) {
    const code = normalise(raw);
    if (!code) return;
    const scan = {
      code,
      entrance,
      scanned_at: new Date().toISOString(),
      client_scan_id: newId(),
    };
    const local = localAnswer(code);
    scan.localResult = local.result;
    queue.push(scan);
    applyLocal(code, local, scan.scanned_at);
    const item = { client_scan_id: scan.client_scan_id, code, at: scan.scanned_at, name: local.registration?.name || code, result: local.result, synced: false };
    log.unshift(item);
    save();
    renderStatus();

    let shownServer = false;
    const fromServer = online
      ? send(scan)
          .then((body) => {
            setOnline(true);
            return body;
          })
          .catch(() => {
            setOnline(false);
            return null;
          })
      : Promise.resolve(null);
    const first = await Promise.race([fromServer, new Promise((resolve) => setTimeout(() => resolve(undefined), SERVER_WAIT_MS))]);
    if (first) {
      shownServer = true;
      showResult({ ...first, local: false }, item);
    } else {
      showResult(local, item);
      fromServer.then((body) => {
        // A late answer from the server that differs (e.g. checked in at another entrance) replaces the local one.
        if (body && !shownServer && body.result !== local.result && current === item) showResult({ ...body, local: false }, item);
      });
    }
    renderLog();
  }

  // --- the result screen -------------------------------------------------------------------------

  let current = null;
  let hideTimer = null;
  const GOOD = new Set(["ok"]);
  const WARN = new Set(["already_checked_in", "pending"]);

  function showResult(answer, item) {
    current = item;
    item.result = answer.result;
    if (answer.checkin_id) item.checkin_id = answer.checkin_id;
    const box = $("result");
    const kind = GOOD.has(answer.result) ? "ok" : WARN.has(answer.result) ? "warn" : "stop";
    box.className = `result result-${kind}`;
    box.dataset.result = answer.result;
    $("result-word").textContent = T.results[answer.result] || answer.result;
    const person = answer.registration || {};
    $("result-name").textContent = person.name || "";
    $("result-organisation").textContent = person.organisation || "";
    const role = person.role_label || "";
    $("result-role").textContent = role ? `${T.role}: ${role}` : "";
    $("result-notes").textContent = person.accessibility ? `${T.notes}: ${person.accessibility}` : "";
    let detail = "";
    if (answer.result === "already_checked_in" && answer.earlier) {
      // "by" is a person or the device; a device named after its entrance is not named twice.
      const where = answer.earlier.entrance || "–";
      const by = answer.earlier.by || answer.earlier.device || "";
      const when = time(answer.earlier.at);
      detail = by && by !== where ? format(T.already_detail, { when, entrance: where, by }) : format(T.already_detail_at, { when, entrance: where });
    } else if (answer.local && answer.result === "unknown") {
      detail = T.unknown_offline;
    } else if (answer.local) {
      detail = T.local_note;
    }
    $("result-detail").textContent = detail;
    $("result-undo").hidden = answer.result !== "ok";
    const print = $("result-print");
    print.hidden = !(answer.result === "ok" && person.id);
    if (person.id) print.href = config.badge.replace(/\/0\.pdf$/, `/${person.id}.pdf`);
    box.hidden = false;
    beep(kind);
    clearTimeout(hideTimer);
    if (kind === "ok") hideTimer = setTimeout(hideResult, 4000);
  }

  function hideResult() {
    $("result").hidden = true;
    current = null;
    focusWedge();
  }

  async function undo() {
    const item = current;
    if (!item) return;
    const queued = queue.find((scan) => scan.client_scan_id === item.client_scan_id);
    if (queued) {
      queue = queue.filter((scan) => scan !== queued);
      if (list[item.code]) list[item.code] = { ...list[item.code], status: "confirmed", checked_in_at: null };
    } else if (item.checkin_id) {
      try {
        const response = await api(`/checkins/${item.checkin_id}/undo`, { method: "POST", body: "{}" });
        if (!response.ok && response.status !== 409) throw new Error("undo");
        if (list[item.code]) list[item.code] = { ...list[item.code], status: "confirmed", checked_in_at: null };
      } catch {
        $("result-detail").textContent = T.undo_needs_network;
        return;
      }
    }
    item.result = "undone";
    save();
    renderLog();
    $("result-word").textContent = T.undone;
    $("result").className = "result result-warn";
    $("result").dataset.result = "undone";
    $("result-undo").hidden = true;
    refreshList();
  }

  // --- sound -------------------------------------------------------------------------------------

  let audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = { ok: [[880, 0.12]], warn: [[660, 0.12], [660, 0.12]], stop: [[220, 0.5]] }[kind];
      let at = audio.currentTime;
      for (const [frequency, length] of tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        oscillator.type = kind === "stop" ? "square" : "sine";
        gain.gain.value = 0.2;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(at);
        oscillator.stop(at + length);
        at += length + 0.08;
      }
    } catch {
      // No sound on this device: the words and colour still say it.
    }
  }

  // --- keyboard-wedge scanners -------------------------------------------------------------------

  const wedge = () => $("wedge");
  function focusWedge() {
    if (document.activeElement !== $("search")) wedge().focus();
  }
  function renderFocus() {
    const warning = $("focus-warning");
    const lost = document.activeElement !== wedge() || !document.hasFocus();
    warning.hidden = !lost;
    warning.textContent = T.focus_lost;
  }

  // --- camera ------------------------------------------------------------------------------------

  let stream = null;
  let detector = null;
  let inView = null; // the code in front of the camera: scanned once until it leaves the picture
  let lastSeen = 0;

  async function makeDetector() {
    const native = "BarcodeDetector" in window ? window.BarcodeDetector : null;
    if (native) {
      try {
        const formats = await native.getSupportedFormats();
        if (formats.includes("qr_code")) return new native({ formats: ["qr_code"] });
      } catch {
        // fall through to the polyfill
      }
    }
    const polyfill = window.BarcodeDetectionAPI;
    const overrides = { locateFile: (path) => config.wasmBase + path };
    if (polyfill.prepareZXingModule) polyfill.prepareZXingModule({ overrides, fireImmediately: true });
    else polyfill.setZXingModuleOverrides(overrides);
    return new polyfill.BarcodeDetector({ formats: ["qr_code"] });
  }

  async function startCamera() {
    const video = $("camera");
    $("camera-error").hidden = true;
    try {
      detector = detector || (await makeDetector());
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      $("camera-toggle").textContent = T.camera_stop;
      $("camera-toggle").dataset.running = "1";
      detectLoop();
    } catch (error) {
      $("camera-error").textContent = format(T.camera_error, { reason: error.message || error.name });
      $("camera-error").hidden = false;
      stopCamera();
    }
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("camera").hidden = true;
    $("camera-toggle").textContent = T.camera_start;
    delete $("camera-toggle").dataset.running;
  }

  async function detectLoop() {
    const video = $("camera");
    while (stream) {
      if (video.readyState >= 2) {
        try {
          const found = await detector.detect(video);
          const now = Date.now();
          const code = found.length ? normalise(found[0].rawValue) : null;
          if (code) {
            if (code !== inView) {
              inView = code;
              handle(code);
            }
            lastSeen = now;
          } else if (inView && now - lastSeen > 1500) {
            inView = null;
          }
        } catch {
          // a frame the decoder could not read
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
  }

  // --- search (a forgotten badge) ----------------------------------------------------------------

  function search(query) {
    const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const results = $("search-results");
    results.replaceChildren();
    if (!words.length) return;
    const hits = Object.values(list)
      .filter((entry) => entry.status !== "revoked")
      .filter((entry) => {
        const text = `${entry.name} ${entry.organisation}`.toLocaleLowerCase();
        return words.every((word) => text.includes(word));
      })
      .sort((a, b) => a.name.localeCompare(b.name, "sv"))
      .slice(0, 20);
    if (!hits.length) {
      const li = document.createElement("li");
      li.textContent = T.no_results;
      results.append(li);
      return;
    }
    for (const entry of hits) {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = entry.organisation ? `${entry.name}, ${entry.organisation}` : entry.name;
      li.append(text);
      // Whoever the door would not admit (waiting list, cancelled, declined, pending) is named with
      // the reason in words, and gets no check-in button.
      const result = localAnswer(entry.code).result;
      const admissible = result === "ok" || result === "already_checked_in";
      if (entry.status === "checked_in" || !admissible) {
        const note = document.createElement("span");
        note.className = admissible ? "muted" : "search-refused";
        note.dataset.result = result;
        note.textContent = ` – ${admissible ? format(T.checked_in_at, { when: time(entry.checked_in_at) }) : T.results[result]}`;
        li.append(note);
      }
      if (!admissible) {
        results.append(li);
        continue;
      }
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = T.check_in;
      button.setAttribute("aria-label", `${T.check_in}: ${entry.name}`);
      button.addEventListener("click", () => {
        handle(entry.code);
        $("search").value = "";
        results.replaceChildren();
      });
      li.append(button);
      results.append(li);
    }
  }

  // --- rendering ---------------------------------------------------------------------------------

  function renderStatus() {
    const status = $("network-status");
    status.textContent = revokedDevice ? T.revoked_device : online ? T.online : T.offline;
    status.className = `network ${revokedDevice ? "network-revoked" : online ? "network-online" : "network-offline"}`;
    document.body.dataset.online = online ? "1" : "0";
    const queued = $("queue-status");
    queued.textContent = queue.length ? format(T.queued, { count: queue.length }) : T.queued_none;
    queued.dataset.count = String(queue.length);
  }

  function renderCounts() {
    const local = Object.values(list);
    const expected = counts ? counts.expected : local.filter((e) => ["confirmed", "checked_in"].includes(e.status)).length;
    const checkedIn = local.filter((e) => e.status === "checked_in").length;
    $("counts").textContent = format(T.checked_in_of, { checked_in: Math.max(checkedIn, counts ? counts.checked_in : 0), expected });
    const entrances = counts ? Object.entries(counts.entrances).map(([name, n]) => `${name || "–"}: ${n}`) : [];
    $("entrance-counts").textContent = entrances.join(" · ");
    $("list-status").textContent = format(T.list_loaded, { count: local.length });
  }

  function renderLog() {
    const ol = $("scan-log");
    ol.replaceChildren();
    for (const item of log.slice(0, 15)) {
      const li = document.createElement("li");
      li.dataset.result = item.result;
      const word = item.result === "undone" ? T.undone : T.results[item.result] || item.result;
      li.textContent = `${time(item.at)} ${item.name}: ${word}`;
      ol.append(li);
    }
  }

  function render() {
    const has = Boolean(token) && !revokedDevice;
    $("no-token").hidden = Boolean(token);
    $("scanner-app").hidden = !has;
    $("entrance-name").textContent = entrance || "–";
    renderStatus();
    renderCounts();
    renderLog();
  }

  // --- start -------------------------------------------------------------------------------------

  function start() {
    takeFragment();
    token = store.get("token", null);
    entrance = store.get("entrance", "");
    list = store.get("list", {});
    queue = store.get("queue", []);
    log = store.get("log", []);
    render();
    if (!token) return;

    wedge().addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        const value = wedge().value;
        wedge().value = ""; // cleared at once: the next scan never runs into this one
        handle(value);
      }
    });
    for (const name of ["focusin", "focusout"]) document.addEventListener(name, () => setTimeout(renderFocus, 0));
    window.addEventListener("blur", renderFocus);
    window.addEventListener("focus", renderFocus);
    $("focus-warning").addEventListener("click", () => wedge().focus());
    $("result-close").addEventListener("click", hideResult);
    $("result-undo").addEventListener("click", undo);
    $("search").addEventListener("input", (event) => search(event.target.value));
    $("camera-toggle").addEventListener("click", () => ($("camera-toggle").dataset.running ? stopCamera() : startCamera()));
    $("entrance-change").addEventListener("click", () => {
      const name = prompt($("entrance-change").textContent, entrance);
      if (name !== null && name.trim()) {
        entrance = name.trim().slice(0, 100);
        store.set("entrance", entrance);
        render();
      }
    });
    window.addEventListener("online", () => {
      setOnline(true);
      sync().then(() => refreshList());
    });
    window.addEventListener("offline", () => setOnline(false));

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.serviceWorker).catch(() => {});
    }
    wedge().focus();
    renderFocus();
    refreshList(Object.keys(list).length === 0).then(sync);
    setInterval(() => {
      if (queue.length) sync().then(() => refreshList());
      else refreshList();
    }, REFRESH_MS);
    document.body.dataset.ready = "1";
  }

  start();
})();
