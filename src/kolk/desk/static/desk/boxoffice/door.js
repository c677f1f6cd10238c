/* The door: scans go to the server as JSON; without network they are checked against the show's
   list (a SHA-256 of each valid code bound to the show, never the codes) and queued in localStorage,
   then sent when the network is back (the server applies them once). Camera scanning with jsQR. */
(function () {
  "use strict";
  var door, show, syncUrl, codesUrl, csrf, LIST, QUEUE, SEEN;

  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function sound(tone) {
    var muted = false;
    try { muted = window.localStorage.getItem("kolk.desk.mute") === "1"; } catch (e) { /* */ }
    var audio = !muted && document.getElementById("sound-" + tone);
    if (audio) {
      audio.currentTime = 0;
      var p = audio.play();
      if (p && p.catch) { p.catch(function () {}); }
    }
  }

  /* A 16+ film: the buyer's age check as the server answered it ({label, tone, advice}), never a date. */
  function age_badge(age) {
    var badge = document.createElement("p");
    badge.className = "age-badge " + age.tone;
    badge.id = "age-badge";
    var label = document.createElement("strong");
    label.textContent = age.label;
    badge.appendChild(label);
    if (age.advice) {
      var advice = document.createElement("span");
      advice.className = "age-advice";
      advice.textContent = age.advice;
      badge.appendChild(advice);
    }
    return badge;
  }

  function show_result(tone, message, seat, age) {
    var box = document.getElementById("door-feedback");
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "door-result " + tone;
    p.id = "checkin-result";
    p.textContent = message;
    if (seat && tone === "ok") {
      var s = document.createElement("span");
      s.className = "door-seat";
      s.textContent = seat;
      p.appendChild(s);
    }
    box.appendChild(p);
    if (age) { box.appendChild(age_badge(age)); }
    /* Let in, but the age asks attention: the sound says so too. */
    sound(tone === "ok" && age && age.tone !== "ok" ? age.tone : tone);
  }

  function counter(inside, sold) {
    var box = document.getElementById("door-count");
    if (!box) { return; }
    box.querySelector("[data-inside]").textContent = inside;
    if (sold !== undefined) { box.querySelector("[data-sold]").textContent = sold; }
  }

  function net(text) { document.getElementById("door-net").textContent = text; }

  function hash(code) {
    var data = new TextEncoder().encode("kolk-door:" + show + ":" + code);
    return window.crypto.subtle.digest("SHA-256", data).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  function post(scans) {
    return fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ scans: scans })
    }).then(function (response) {
      if (!response.ok && response.status >= 500) { throw new Error("server"); }
      return response.json();
    });
  }

  /* Offline: the list says whether a code is valid and its seat; this door's own scans catch a double. */
  function offline(code) {
    var list = load(LIST, null);
    if (!list) {
      show_result("error", "Geen netwerk en geen lijst: laat het kaartje later scannen.", "");
      return Promise.resolve();
    }
    return hash(code).then(function (h) {
      var seen = load(SEEN, {});
      if (!(h in list.codes)) {
        show_result("error", "Onbekend kaartje (offline).", "");
        return;
      }
      if (seen[h]) {
        var first = new Date(seen[h]);
        var time = ("0" + first.getHours()).slice(-2) + ":" + ("0" + first.getMinutes()).slice(-2);
        show_result("warn", "Al gescand om " + time + (list.codes[h] ? " — " + list.codes[h] : "") + " (offline)", "");
        return;
      }
      var at = new Date().toISOString();
      seen[h] = at;
      save(SEEN, seen);
      var queue = load(QUEUE, []);
      queue.push({ code: code, at: at });
      save(QUEUE, queue);
      var inside = document.querySelector("#door-count [data-inside]");
      if (inside) { counter(parseInt(inside.textContent, 10) + 1); }
      /* Offline there is no answer about age: a 16+ film asks to check it. */
      var age = door.dataset.age ? { label: door.dataset.age + "+: offline", tone: "warn", advice: "Leeftijd controleren" } : null;
      show_result("ok", "Welkom! (offline)", list.codes[h], age);
      net("Geen netwerk: " + queue.length + " scan(s) wachten om te worden verstuurd.");
    });
  }

  function flush() {
    var queue = load(QUEUE, []);
    if (!queue.length) { return Promise.resolve(); }
    return post(queue).then(function (answer) {
      if (!answer.results) {  /* refused (not a network error): say so, keep the scans for the box office */
        net("Versturen van " + queue.length + " offline scan(s) geweigerd: " + (answer.message || ""));
        return;
      }
      save(QUEUE, []);
      var doubles = answer.results.filter(function (r) { return r.result !== "ok"; });
      counter(answer.inside, answer.sold);
      net(queue.length + " offline scan(s) verstuurd" + (doubles.length ? "; " + doubles.length + " dubbel of ongeldig: " + doubles.map(function (d) { return d.message; }).join("; ") : "."));
    }).catch(function () { /* still offline: keep the queue */ });
  }

  function scan(code) {
    code = String(code || "").trim();
    if (!code) { return Promise.resolve(); }
    return post([{ code: code }]).then(function (answer) {
      var r = answer.results ? answer.results[0] : null;
      if (!r) { show_result("error", answer.message || "Onbekend kaartje.", ""); return; }
      show_result(r.tone, r.message, r.seat, r.age);
      counter(answer.inside, answer.sold);
      return flush();
    }).catch(function () { return offline(code); });
  }

  function refreshList() {
    fetch(codesUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (list) {
      save(LIST, list);
    }).catch(function () { /* keep the list we have */ });
  }

  function camera() {
    var button = document.getElementById("door-camera");
    var video = document.getElementById("door-video");
    var canvas = document.getElementById("door-canvas");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) { return; }
    button.hidden = false;
    var last = "", lastAt = 0, stream = null;
    function tick() {
      if (!stream) { return; }
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var ctx = canvas.getContext("2d");
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (found && found.data && (found.data !== last || Date.now() - lastAt > 4000)) {
          last = found.data;
          lastAt = Date.now();
          scan(found.data);
        }
      }
      window.requestAnimationFrame(tick);
    }
    button.addEventListener("click", function () {
      if (stream) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
        video.hidden = true;
        button.textContent = "Camera aan";
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        button.textContent = "Camera uit";
        window.requestAnimationFrame(tick);
      }).catch(function () { net("De camera is niet beschikbaar: typ of scan de code."); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    door = document.getElementById("door");
    if (!door) { return; }
    show = door.dataset.show;
    syncUrl = door.dataset.sync;
    codesUrl = door.dataset.codes;
    csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
    LIST = "kolk.door.list." + show;
    QUEUE = "kolk.door.queue." + show;
    SEEN = "kolk.door.seen." + show;
    refreshList();
    var form = document.getElementById("door-form");
    var field = document.getElementById("code");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = field.value;
      field.value = "";
      scan(code).then(function () { field.focus(); });
    });
    window.addEventListener("online", flush);
    window.setInterval(function () { flush(); }, 15000);
    flush();
    camera();
  });
}());
