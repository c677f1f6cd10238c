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
