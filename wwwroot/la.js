/* LiveAnalytics tracker. <script defer data-domain="shop.example.com" src="https://YOUR-HOST/la.js"></script>
   Sends pageviews (SPA navigations included) and custom events: la('Signup', {props: {plan: 'pro'}}).
   Beacons are text/plain, so browsers send them without a CORS preflight. */
(function (w, d) {
  'use strict';
  var s = d.currentScript, loc = w.location, last;
  var domain = s.getAttribute('data-domain') || loc.hostname;
  var api = s.getAttribute('data-api') || new URL(s.src).origin + '/api/event';

  function send(name, o) {
    o = o || {};
    try { if (w.localStorage.la_ignore === 'true') return; } catch (e) { /* storage blocked: track */ }
    var body = JSON.stringify({ n: name, u: loc.href, d: domain, r: d.referrer || null, p: o.props, $: o.revenue });
    if (!(w.navigator.sendBeacon && w.navigator.sendBeacon(api, body))) {
      w.fetch(api, { method: 'POST', body: body, keepalive: true, headers: { 'Content-Type': 'text/plain' } })
        .catch(function () {});
    }
    if (o.callback) o.callback();
  }

  function pageview() {
    var page = loc.pathname + loc.search;
    if (page === last) return;
    last = page;
    send('pageview');
  }

  var history = w.history;
  if (history.pushState) {
    var push = history.pushState;
    history.pushState = function () { push.apply(this, arguments); pageview(); };
    w.addEventListener('popstate', pageview);
  }

  var queued = (w.la && w.la.q) || [];
  w.la = send;
  for (var i = 0; i < queued.length; i++) send.apply(null, queued[i]);

  if (d.visibilityState === 'prerender') {
    d.addEventListener('visibilitychange', function once() {
      if (d.visibilityState === 'prerender') return;
      d.removeEventListener('visibilitychange', once);
      pageview();
    });
  } else {
    pageview();
  }
})(window, document);
