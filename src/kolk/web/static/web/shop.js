/* The hold countdown on the order page: minutes and seconds left, from the server's expiry time. */
(function () {
  var el = document.querySelector(".countdown[data-expires]");
  if (!el) { return; }
  var end = new Date(el.dataset.expires).getTime();
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left > 0) { setTimeout(tick, 1000); }
  }
  tick();
})();

/* A form that goes to the payment provider says it is busy and cannot be sent twice: its buttons are
   disabled while the page waits (iDEAL without network answers after the connect timeout). */
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[method=post]")) { return; }
    if (form.dataset.busy === "1") { event.preventDefault(); return; }
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) {
      window.setTimeout(function () { b.disabled = true; }, 0);  /* after the browser took the button's value */
    });
  });
  window.addEventListener("pageshow", function () {  /* back from the provider: usable again */
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), function (form) {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
    });
  });
})();
