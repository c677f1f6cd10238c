/* The theaterabonnement's till: the shows, the same seats in each (the seat map with the arrow keys,
   as the show's till), the total (seats times the chosen shows' series prices), the change due or the
   PIN reference. And on the season's forms: the cursor on the first field in error. No inline script (CSP). */
(function () {
  "use strict";

  function setup(form) {
    var till = window.kolkTill;
    var map = form.querySelector("[data-seatmap]");
    var seats = map ? Array.prototype.slice.call(map.querySelectorAll("input[name=seat]")) : [];
    var shows = Array.prototype.slice.call(form.querySelectorAll("input[name=show]"));
    var quantity = document.getElementById("series-quantity");
    var chosenOut = document.getElementById("series-seats");
    var total = document.getElementById("series-total");
    var given = document.getElementById("series-given");
    var change = document.getElementById("series-change");
    var cash = document.getElementById("series-cash");
    var card = document.getElementById("series-card");

    function update() {
      var picked = seats.filter(function (s) { return s.checked; });
      var count = picked.length || parseInt(quantity && quantity.value, 10) || 0;
      var perSeat = 0;
      shows.forEach(function (s) { if (s.checked) { perSeat += parseInt(s.dataset.cents, 10) || 0; } });
      var t = count * perSeat;
      total.textContent = till.euros(t);
      if (picked.length) {
        chosenOut.textContent = picked.map(function (s) {
          return s.getAttribute("aria-label").split(",").slice(0, 2).join(",");
        }).join("; ");
      } else if (count) {
        chosenOut.textContent = chosenOut.dataset.best.replace("%(n)s", count);
      } else {
        chosenOut.textContent = chosenOut.dataset.none;
      }
      var method = form.querySelector("input[name=method]:checked");
      var isCash = !method || method.value === "cash";
      cash.hidden = !isCash;
      card.hidden = isCash;
      var got = given ? till.cents(given.value) : null;
      change.textContent = got === null || got < t ? till.euros(0) : till.euros(got - t);
    }

    var start = seats.filter(function (s) { return s.checked; })[0] || seats.filter(function (s) { return !s.disabled; })[0];
    if (start) { till.rove(seats, start); }
    if (map) {
      map.addEventListener("keydown", function (event) {
        var seat = event.target;
        if (!seat.matches || !seat.matches("input[name=seat]")) { return; }
        if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].indexOf(event.key) < 0) { return; }
        event.preventDefault();
        var next = till.target(seats, seat, event.key);
        till.rove(seats, next);
        next.focus();
      });
      map.addEventListener("click", function (event) {
        var label = event.target.closest && event.target.closest("label");
        var seat = label && label.querySelector("input[name=seat]");
        if (seat && !seat.disabled) { till.rove(seats, seat); }
      });
    }
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();

    /* Where the eyes go: the seats to take instead, the field in error, the pass scan, or the seat map. */
    var take = document.querySelector("[data-focus]");
    var wrong = document.querySelector("[data-focus-field]");
    if (take) {
      take.focus();
    } else if (wrong && wrong.dataset.focusField === "show") {
      shows[0].focus();
    } else if (wrong) {
      wrong.focus();
    } else if (document.getElementById("series-seat-error") && start) {
      start.focus();
    } else if (!document.querySelector("[data-scan]") && start) {
      start.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("series-till");
    if (form && window.kolkTill) {
      setup(form);
      return;
    }
    var alternative = document.querySelector("[data-focus]");
    if (alternative) { alternative.focus(); return; }
    var wrong = document.querySelector(".season-form [aria-invalid=true], .season-form fieldset[aria-invalid=true] input");
    if (wrong) { wrong.focus(); }
  });
}());
