/* LiveAnalytics tracker. <script defer data-domain="shop.example.com" src="https://YOUR-HOST/la.js"></script>
   Sends pageviews (SPA navigations included), a "leave" on pagehide, custom events: la('Signup', {props: {plan: 'pro'}}),
   and each page view's engagement: the time it was visible and how far down it was read, when it is hidden or left.
   Elements tagged by class send their own events: class="la-event-name=Signup la-event-plan=pro".
   Opt-in: data-outbound-links and data-file-downloads send link clicks, data-hash counts pages routed by the URL's
   fragment (#/products/hat) (README).
   Beacons are text/plain, so browsers send them without a CORS preflight. A beacon the server could
   not take (429, 5xx, network down) waits in a small localStorage queue and is sent again later, with
   the id it was first sent with: one that had arrived after all is stored once. */
(function (w, d) {
  'use strict';
  var s = d.currentScript, loc = w.location, last;
  var domain = s.getAttribute('data-domain') || loc.hostname;
  var api = s.getAttribute('data-api') || new URL(s.src).origin + '/api/event';
  var hash = s.hasAttribute('data-hash') ? 1 : undefined; // undefined: left out of the beacon
  var QUEUE = 'la_retry', MAX_QUEUE = 30, MAX_AGE = 6e5; // 30 beacons, 10 minutes

  function store(f) { try { return f(w.localStorage); } catch (e) { return null; } } // storage may be blocked
  function queued() { return store(function (ls) { return JSON.parse(ls.getItem(QUEUE)); }) || []; }
  function setQueue(q) { store(function (ls) { ls.setItem(QUEUE, JSON.stringify(q.slice(-MAX_QUEUE))); }); }
  function keep(body, at) { var q = queued(); q.push([at, body]); setQueue(q); }

  function post(body, at, isRetry) {
    if (!w.fetch) { if (w.navigator.sendBeacon) w.navigator.sendBeacon(api, body); return; }
    w.fetch(api, { method: 'POST', body: body, keepalive: true, headers: { 'Content-Type': 'text/plain' } })
      .then(function (r) {
        if (r.status === 429 || r.status >= 500) keep(body, at);
        else if (!isRetry) resend();
      })
      .catch(function () { keep(body, at); });
  }

  function resend() {
    var q = queued(), now = Date.now();
    if (!q.length) return;
    setQueue([]);
    for (var i = 0; i < q.length; i++) if (now - q[i][0] < MAX_AGE) post(q[i][1], q[i][0], true);
  }

  // A UUIDv7 (the time first, so ids follow time in the server's index). From getRandomValues, which pages on
  // plain http have too (randomUUID is for secure pages only); without it (very old browsers) the server names
  // the event, and a resend may count twice.
  function uid() {
    var c = w.crypto, t = ('00000000000' + Date.now().toString(16)).slice(-12), b, h = '', i;
    if (!c || !c.getRandomValues) return undefined;
    b = c.getRandomValues(new Uint8Array(10));
    for (i = 0; i < 9; i++) h += (b[i] + 256).toString(16).slice(1);
    // 74 random bits: 18 hex digits and the variant's two (10xx).
    return t.slice(0, 8) + '-' + t.slice(8) + '-7' + h.slice(0, 3) + '-' + '89ab'[b[9] & 3] + h.slice(3, 6) + '-' + h.slice(6, 18);
  }

  // This store's tabs open in this browser, each with the time of its last beacon (one visitor to the server):
  // closing one of several sends no "leave", the visitor is still here. A tab quiet for the live view's online
  // window (5 minutes) counts as gone, as the server counts it; so does one that crashed.
  var TABS = 'la_tabs', ONLINE = 3e5, tab = Math.random().toString(36).slice(2);
  function tabs(f) {
    return store(function (ls) {
      var t = JSON.parse(ls.getItem(TABS)) || {}, now = Date.now();
      for (var k in t) if (now - t[k] > ONLINE) delete t[k];
      f(t, now);
      ls.setItem(TABS, JSON.stringify(t));
      return t;
    });
  }

  function ignored() { return store(function (ls) { return ls.la_ignore; }) === 'true'; }

  // leaving: sendBeacon, never retried: a fetch cut off as the page goes may have arrived all the same.
  function send(name, o, leaving) {
    o = o || {};
    if (ignored()) return;
    var body = JSON.stringify({ n: name, u: loc.href, d: domain, r: d.referrer || null, p: o.props, $: o.revenue, i: uid(), h: hash });
    if (leaving && w.navigator.sendBeacon) w.navigator.sendBeacon(api, body); else post(body, Date.now());
    tabs(function (t, now) { t[tab] = now; });
    if (o.callback) o.callback();
  }

  // Engagement of the page view on screen: the time it is visible in the window that has the focus (engaged, plus
  // since shownAt while it is; a page left open behind another window is not being read) and the deepest it was
  // scrolled, in percent of the page. Reported when the page is hidden (a tab switched away, the phone locked: the
  // last moment a mobile browser surely runs scripts), when it is left, and before an SPA navigation: e is the time
  // since the last report, sd the deepest so far, sp the deepest at the last report, f marks the first report. The
  // server adds the reports up, so a view seen in three sittings counts once, its time whole.
  var view, shownAt = 0, engaged = 0, deepest = 0, reported = 0, reports = 0, MAX_ENGAGED = 18e5;
  function depth() {
    var el = d.documentElement, height = Math.max(el.scrollHeight, d.body ? d.body.scrollHeight : 0);
    return height ? Math.min(100, Math.round((w.scrollY + w.innerHeight) / height * 100)) : 100;
  }
  function scrolled() { var p = depth(); if (p > deepest) deepest = p; }
  function shown() { if (d.visibilityState === 'visible' && d.hasFocus() && !shownAt) shownAt = Date.now(); }
  function paused() { if (shownAt) { engaged += Date.now() - shownAt; shownAt = 0; } }
  function report() {
    scrolled();   // the scroll event may not have run yet (a click that scrolled to its button and moved on)
    paused();
    var e = Math.min(engaged, MAX_ENGAGED);
    // A view is engaged after a second on screen; after that, a report may carry a deeper scroll alone.
    if (!view || ignored() || (e < 1000 && (!reports || deepest <= reported))) return;
    var body = JSON.stringify({ n: 'engagement', u: view, d: domain, e: e, sd: deepest, sp: reported || undefined, f: reports ? undefined : 1, i: uid(), h: hash });
    if (w.navigator.sendBeacon) w.navigator.sendBeacon(api, body); else post(body, Date.now());
    reports++;
    reported = deepest;
    engaged = 0;
  }

  function pageview() {
    var page = loc.pathname + loc.search + (hash ? loc.hash : '');
    if (page === last) return;
    last = page;
    report();   // the page view before this one, on an SPA
    view = loc.href;
    engaged = reported = reports = 0;
    deepest = depth();
    shown();
    send('pageview');
  }
  w.addEventListener('scroll', scrolled, { passive: true });
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') report(); else shown(); });
  w.addEventListener('blur', paused);
  w.addEventListener('focus', shown);

  var history = w.history;
  if (history.pushState) {
    var push = history.pushState;
    history.pushState = function () { push.apply(this, arguments); pageview(); };
    w.addEventListener('popstate', pageview);
  }
  if (hash) w.addEventListener('hashchange', pageview);
  w.addEventListener('online', resend);
  // The tab closed or moved on (the last of this store's, see tabs): the live count drops at once. Not worth a
  // retry: it only matters now.
  w.addEventListener('pagehide', function () {
    report();
    var open = tabs(function (t) { delete t[tab]; });
    if (!last || ignored() || !w.navigator.sendBeacon || (open && Object.keys(open).length)) return;
    w.navigator.sendBeacon(api, JSON.stringify({ n: 'leave', u: loc.href, d: domain }));
  });
  // Back from the back-forward cache: the page is shown again without loading, so count it again.
  w.addEventListener('pageshow', function (e) { if (e.persisted) { last = null; pageview(); } });

  var out = s.hasAttribute('data-outbound-links'), files = s.hasAttribute('data-file-downloads');
  function click(e) {
    var a = !e.laTagged && (e.type === 'click' || e.button === 1) && e.target.closest && e.target.closest('a[href]'), u;
    try { u = a && new URL(a.href); } catch (x) { return; }
    if (!u || !/^https?:$/.test(u.protocol)) return;
    var o = { props: { url: u.href.slice(0, 2000) } };
    if (files && /\.(pdf|xlsx?|docx?|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpe?g|wmv|midi?|mp3|wav|wma|dmg|epub)$/i.test(u.pathname)) send('File Download', o, 1);
    else if (out && u.host !== loc.host) send('Outbound Link: Click', o, 1);
  }
  if (out || files) { d.addEventListener('click', click); d.addEventListener('auxclick', click); }

  // Events tagged by class, for stores whose page builder edits classes but not scripts:
  // class="la-event-name=Signup la-event-plan=pro+yearly" sends Signup with {plan: 'pro yearly'} when the element
  // (or anything in it) is clicked, a form when it is submitted. A tagged link sends its event instead of a link click.
  function tagged(el) {
    var props, name, m, i;
    for (i = 0; i < el.classList.length; i++) {
      if (!(m = /^la-event-([^=]+)=(.+)$/.exec(el.classList[i]))) continue;
      m[2] = m[2].replace(/\+/g, ' ');
      if (m[1] === 'name') name = m[2]; else (props = props || {})[m[1]] = m[2];
    }
    return name && [name, { props: props }];
  }
  var TAG = '[class*="la-event-name="]';
  function tagClick(e) {
    var el = (e.type === 'click' || e.button === 1) && e.target.closest && e.target.closest(TAG), t;
    if (!el || el.tagName === 'FORM' || !(t = tagged(el))) return;
    e.laTagged = 1;
    // A link may take the page away before a fetch is done: sent as the page goes.
    send(t[0], t[1], e.target.closest('a[href]') ? 1 : 0);
  }
  function tagSubmit(e) {
    var t = e.target.matches && e.target.matches(TAG) && tagged(e.target);
    if (t) send(t[0], t[1], 1);
  }
  d.addEventListener('click', tagClick, true);
  d.addEventListener('auxclick', tagClick, true);
  d.addEventListener('submit', tagSubmit, true);

  var early = (w.la && w.la.q) || [];
  w.la = send;
  for (var i = 0; i < early.length; i++) send.apply(null, early[i]);

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
