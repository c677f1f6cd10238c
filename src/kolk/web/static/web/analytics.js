/* Google Analytics, loaded only after analytics consent (W03), privacy-friendly:
   no IP address passed on, no Google signals, no ad personalisation. */
(function () {
  "use strict";
  var tag = document.querySelector("script[data-ga-id]");
  var id = tag && tag.getAttribute("data-ga-id");
  if (!id) { return; }
  window.dataLayer = window.dataLayer || [];
  function gtag() { window.dataLayer.push(arguments); }
  window.gtag = gtag;
  gtag("consent", "default", {
    ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied", analytics_storage: "granted"
  });
  gtag("js", new Date());
  gtag("config", id, {
    anonymize_ip: true,
    allow_google_signals: false,
    allow_ad_personalization_signals: false
  });
  var script = document.createElement("script");
  script.async = true;
  script.src = "https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(id);
  document.head.appendChild(script);
})();
