/* kolk's site script (no inline scripts: the CSP forbids them).
   After htmx swaps part of the page, focus goes where the user expects (UX.md): to the
   swapped part's [data-focus] element, else its first error or message, else the part itself. */
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.target;
  if (!target || !target.isConnected) {  /* an outerHTML swap replaced it: find its successor by id */
    target = (target && target.id && document.getElementById(target.id)) || document.getElementById("main");
  }
  var spot = target.querySelector("[data-focus], [role=alert], [role=status], .errorlist") || target;
  if (!spot.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(spot.tagName)) {
    spot.setAttribute("tabindex", "-1");
  }
  spot.focus();
});

/* Mijn DNK's menu is a <details> (it works without script). On a wide screen it is a side column and
   stays open; on a phone it opens on demand and Escape closes it, back on its button. */
(function () {
  var menu = document.getElementById("portal-menu");
  if (!menu) return;
  var wide = window.matchMedia("(min-width: 56rem)");
  function fit() { menu.open = wide.matches; }
  fit();
  wide.addEventListener("change", fit);
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();

/* On a phone a table becomes a list of cards (kolk.css), each cell labelled with its column's name
   from its data-label. A table whose template gives no labels gets them here from its header row
   (a column whose header is hidden, such as the buttons', stays unlabelled). */
document.querySelectorAll("main table").forEach(function (table) {
  if (table.querySelector("td[data-label]")) return;  /* its template labelled it */
  var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.querySelector(".visually-hidden") ? "" : th.textContent.trim();
  });
  table.querySelectorAll("tbody tr").forEach(function (row) {
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && heads[i]) {
        cell.setAttribute("data-label", heads[i]);
      }
    });
  });
});
