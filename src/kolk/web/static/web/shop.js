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

/* The payment page asks every few seconds whether the payment is in (JSON, no eval), and goes on
   once it is: to the tickets when paid, else back to this page, which then says what to do. */
(function () {
  var box = document.querySelector("[data-payment-poll]");
  if (!box || !window.fetch) { return; }
  var url = box.dataset.paymentPoll;
  var every = 2500;
  function ask() {
    window.fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.checking) { window.setTimeout(ask, every); return; }
        window.location.replace(answer.next);
      })
      .catch(function () { window.setTimeout(ask, every * 2); });
  }
  window.setTimeout(ask, every);
})();
