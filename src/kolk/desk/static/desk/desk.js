/* The staff workplace: scan first, feedback with sound, shortcuts. No inline script (CSP). */
(function () {
  "use strict";
  var MUTE = "kolk.desk.mute";

  function muted() {
    try { return window.localStorage.getItem(MUTE) === "1"; } catch (e) { return false; }
  }

  function showMute() {
    var button = document.getElementById("desk-mute");
    if (!button) { return; }
    button.setAttribute("aria-pressed", muted() ? "true" : "false");
  }

  /* The cursor goes to the scan field, without scrolling the page to it. */
  function focusScan() {
    var dialog = document.getElementById("desk-help");
    if (dialog && dialog.open) { return; }
    var field = document.querySelector("[data-scan]");
    if (field) {
      field.focus({ preventScroll: true });
      field.select();
    }
  }

  /* One short sound for the worst kind of feedback shown: error, warn or ok. */
  function sound(root) {
    var box = (root || document).querySelector("[data-feedback]") || document.querySelector("[data-feedback]");
    if (!box || muted()) { return; }
    var kind = box.querySelector(".error") ? "error" : box.querySelector(".warn") ? "warn" : box.querySelector(".ok") ? "ok" : "";
    var audio = kind && document.getElementById("sound-" + kind);
    if (audio) {
      audio.currentTime = 0;
      var playing = audio.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
    }
  }

  function help() {
    var dialog = document.getElementById("desk-help");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  /* A field the page refused (data-focus-first) gets the cursor when the page opens, instead of the scan field. */
  function focusRefused() {
    var field = document.querySelector("[data-focus-first]");
    if (!field) { return false; }
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
    if (field.select && field.type !== "checkbox") { field.select(); }
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    showMute();
    if (!focusRefused()) { focusScan(); }
    sound(document);
    var mute = document.getElementById("desk-mute");
    if (mute) {
      mute.addEventListener("click", function () {
        try { window.localStorage.setItem(MUTE, muted() ? "0" : "1"); } catch (e) { /* private mode */ }
        showMute();
        focusScan();
      });
    }
    var open = document.getElementById("desk-help-open");
    if (open) { open.addEventListener("click", help); }
    var dialog = document.getElementById("desk-help");
    if (dialog) { dialog.addEventListener("close", focusScan); }
  });

  /* After a partial update (htmx), the cursor returns to the scan field and the result sounds. */
  document.addEventListener("htmx:afterSettle", function (event) {
    focusScan();
    sound(event.target);
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.value) { select.form.submit(); }
  });

  /* A link with data-focus (a flag beside the scan field) puts the cursor where its next step is done:
     the element itself when it takes focus, else the first control in it. */
  function focusTarget(id) {
    var target = document.getElementById(id);
    if (!target) { return false; }
    var control = target.matches("input, select, textarea, button, a[href], [tabindex]") ? target
      : target.querySelector("input:not([type=hidden]), select, textarea, button, a[href]");
    (control || target).focus();
    (control || target).scrollIntoView({ block: "center" });
    if (control && control.select && control.matches("input:not([type=checkbox]):not([type=radio])")) { control.select(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var jump = event.target.closest && event.target.closest("a[data-focus]");
    if (jump && focusTarget(jump.getAttribute("data-focus"))) {
      event.preventDefault();
      return;
    }
    var print = event.target.closest && event.target.closest("[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
      focusScan();
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && !target.hasAttribute("data-scan")) || target.isContentEditable);
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.key && event.key.length === 1) {
      var tool = document.querySelector('.desk-menu a[data-key="' + event.key.toLowerCase() + '"]');
      if (tool) {
        event.preventDefault();
        window.location.assign(tool.href);
        return;
      }
    }
    /* Enter in an empty scan field prints the slip of the last scan (Innemen): a scanner never sends an
       empty Enter, so this is the person asking for the slip, with one key. */
    if (event.key === "Enter" && target && target.hasAttribute && target.hasAttribute("data-print-on-empty") && !target.value.trim()) {
      var slip = document.querySelector("[data-print]");
      if (slip) {
        event.preventDefault();
        window.print();
        focusScan();
        return;
      }
    }
    /* From the scan field, the arrow down goes into a list of results ([data-results]); up and down walk it. */
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && !event.altKey && !event.ctrlKey) {
      var list = document.querySelector("[data-results]");
      var links = list ? Array.prototype.slice.call(list.querySelectorAll("a[href]")) : [];
      var at = links.indexOf(target);
      if (links.length && (at >= 0 || (target.hasAttribute && target.hasAttribute("data-scan") && event.key === "ArrowDown"))) {
        event.preventDefault();
        if (at < 0) { links[0].focus(); }
        else if (event.key === "ArrowDown") { links[Math.min(at + 1, links.length - 1)].focus(); }
        else if (at === 0) { focusScan(); }
        else { links[at - 1].focus(); }
        return;
      }
    }
    if (event.key === "?" && !typing && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      help();
    } else if (event.key === "Escape" && !(document.getElementById("desk-help") || {}).open) {
      focusScan();
    }
  });
})();
