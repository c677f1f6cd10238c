/* The till: a seat map worked with the arrow keys (one tab stop, a roving tabindex),
   a price per chosen seat, the total and the change due. No inline script (CSP). */
(function () {
  "use strict";

  function euros(cents) {
    var sign = cents < 0 ? "-" : "";
    cents = Math.abs(Math.round(cents));
    var whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var part = String(cents % 100);
    return sign + "€ " + whole + "," + (part.length < 2 ? "0" + part : part);
  }

  /* What staff type as money: 50, 50,00, 42,5, € 20 -> cents, or null. */
  function cents(text) {
    var match = /^(?:€\s*)?(\d{1,6})(?:[,.](\d{1,2}))?$/.exec(String(text).trim());
    if (!match) { return null; }
    var part = (match[2] || "0");
    if (part.length < 2) { part += "0"; }
    return parseInt(match[1], 10) * 100 + parseInt(part, 10);
  }

  function seatsOf(map) {
    return Array.prototype.slice.call(map.querySelectorAll("input[name=seat]"));
  }

  /* The seat the arrow key leads to: the next free seat in the row, or the nearest free seat by number in the next row. */
  function target(seats, current, key) {
    var row = +current.dataset.row, number = +current.dataset.number;
    var free = seats.filter(function (s) { return !s.disabled; });
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var inRow = free.filter(function (s) { return +s.dataset.row === row; });
      var at = inRow.indexOf(current);
      var next = inRow[at + (key === "ArrowRight" ? 1 : -1)];
      return next || current;
    }
    var rows = [];
    free.forEach(function (s) { if (rows.indexOf(+s.dataset.row) < 0) { rows.push(+s.dataset.row); } });
    rows.sort(function (a, b) { return a - b; });
    var r = rows.indexOf(row) + (key === "ArrowDown" ? 1 : -1);
    if (r < 0 || r >= rows.length) { return current; }
    var best = null;
    free.forEach(function (s) {
      if (+s.dataset.row !== rows[r]) { return; }
      if (!best || Math.abs(+s.dataset.number - number) < Math.abs(+best.dataset.number - number)) { best = s; }
    });
    return best || current;
  }

  function rove(seats, seat) {
    seats.forEach(function (s) { s.tabIndex = s === seat ? 0 : -1; });
  }

  /* The theaterabonnement's till (season.js) works the same seat map with the same keys. */
  window.kolkTill = { euros: euros, cents: cents, target: target, rove: rove };

  function setup(form) {
    var map = form.querySelector("[data-seatmap]");
    var list = document.getElementById("till-tickets");
    var empty = document.getElementById("till-empty");
    var total = document.getElementById("till-total");
    var given = document.getElementById("till-given");
    var change = document.getElementById("till-change");
    var cash = document.getElementById("till-cash");
    var options = document.getElementById("till-price-options");
    var chosen = {};
    (list.dataset.chosen || "").split(" ").forEach(function (pair) {
      var bits = pair.split(":");
      if (bits.length === 2) { chosen[bits[0]] = bits[1]; }
    });
    var seats = map ? seatsOf(map) : [];

    function priceOf(select) {
      var option = select.options[select.selectedIndex];
      return option ? parseInt(option.dataset.cents, 10) : 0;
    }

    function sum() {
      var t = 0;
      list.querySelectorAll("select").forEach(function (select) { t += priceOf(select); });
      total.textContent = euros(t);
      var method = form.querySelector("input[name=method]:checked");
      var isCash = !method || method.value === "cash";
      cash.hidden = !isCash;
      var got = given ? cents(given.value) : null;
      change.textContent = got === null || got < t ? euros(0) : euros(got - t);
      if (given) { given.setAttribute("aria-invalid", given.value && (got === null || got < t) ? "true" : "false"); }
      return t;
    }

    /* One line per chosen seat, in seat order, each with its price; a price chosen before is kept. */
    function lines() {
      list.querySelectorAll("select").forEach(function (select) { chosen[select.dataset.seat] = select.value; });
      var picked = seats.filter(function (s) { return s.checked; });
      list.textContent = "";
      picked.forEach(function (seat, i) {
        var item = document.createElement("li");
        var label = document.createElement("label");
        var id = "till-price-" + seat.value;
        label.htmlFor = id;
        label.textContent = seat.getAttribute("aria-label").split(",").slice(0, 2).join(",");
        var select = options.content.firstElementChild.cloneNode(true);
        select.id = id;
        select.name = "price_" + seat.value;
        select.dataset.seat = seat.value;
        if (chosen[seat.value]) { select.value = chosen[seat.value]; }
        select.addEventListener("change", sum);
        item.appendChild(label);
        item.appendChild(select);
        list.appendChild(item);
      });
      empty.hidden = picked.length > 0;
      sum();
    }

    if (seats.length) {
      var start = seats.filter(function (s) { return s.checked; })[0] || seats.filter(function (s) { return !s.disabled; })[0];
      if (start) {
        rove(seats, start);
        /* A 16+ film scans the member's pass first (the scan field keeps the cursor). */
        if (!document.getElementById("till-error") && !document.querySelector("[data-scan]")) { start.focus({ preventScroll: false }); }
      }
      map.addEventListener("keydown", function (event) {
        var seat = event.target;
        if (!seat.matches || !seat.matches("input[name=seat]")) { return; }
        if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].indexOf(event.key) < 0) { return; }
        event.preventDefault();
        var next = target(seats, seat, event.key);
        rove(seats, next);
        next.focus();
      });
      map.addEventListener("change", lines);
      map.addEventListener("click", function (event) {
        var seat = event.target.closest && event.target.closest("label") && event.target.closest("label").querySelector("input[name=seat]");
        if (seat && !seat.disabled) { rove(seats, seat); }
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "method") { sum(); }
    });
    if (given) { given.addEventListener("input", sum); }
    lines();
  }

  /* The pass scan of a 16+ film: once answered, the field is empty for the next scan. */
  document.addEventListener("htmx:afterRequest", function (event) {
    var field = event.target && event.target.querySelector && event.target.querySelector("#till-pass");
    if (field) {
      field.value = "";
      field.focus({ preventScroll: true });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("till");
    if (form) { setup(form); }
  });
}());
