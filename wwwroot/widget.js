/* LiveAnalytics widget: renders the state the page carries, then every update its stream pushes.
   Text goes in with textContent only: page paths and sources come from visitors. */
(function (d) {
  'use strict';
  var root = d.getElementById('widget');
  var kind = root.getAttribute('data-kind');
  var label = root.getAttribute('data-label');

  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function plural(n, one, many) { return n === 1 ? one : many; }
  function clock(iso) { var t = new Date(iso); return isNaN(t) ? '' : t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }); }

  function render(s) {
    var box = el('div', 'la-box');
    if (kind === 'visitors') {
      box.appendChild(el('div', 'la-number', s.visitors));
      box.appendChild(el('div', 'la-label', plural(s.visitors, 'visitor online now', 'visitors online now')));
    } else if (kind === 'page-viewers') {
      box.appendChild(el('div', 'la-number', s.viewers));
      box.appendChild(el('div', 'la-label', plural(s.viewers, 'person is viewing this page now', 'people are viewing this page now')));
    } else if (kind === 'recent-events') {
      box.appendChild(el('div', 'la-number', s.events));
      box.appendChild(el('div', 'la-label', (label || s.event) + ' in the last ' + s.window_minutes + ' minutes'));
    } else if (kind === 'top-pages') {
      box.appendChild(el('div', 'la-title', 'Top pages now'));
      var list = el('ol', 'la-list');
      (s.pages || []).forEach(function (p) {
        var li = el('li');
        li.appendChild(el('span', 'la-page', p.value));
        li.appendChild(el('span', 'la-count', p.visitors));
        list.appendChild(li);
      });
      if (!list.firstChild) box.appendChild(el('div', 'la-label', 'Nobody online right now'));
      box.appendChild(list);
    } else {
      box.appendChild(el('div', 'la-title', 'Happening now'));
      var feed = el('ul', 'la-list');
      (s.items || []).forEach(function (i) {
        var li = el('li');
        li.appendChild(el('span', 'la-time', clock(i.time)));
        li.appendChild(el('span', 'la-page', (i.name === 'pageview' ? '' : i.name + ' · ') + i.page));
        if (i.source) li.appendChild(el('span', 'la-source', i.source));
        feed.appendChild(li);
      });
      if (!feed.firstChild) box.appendChild(el('div', 'la-label', 'Waiting for the first visitor'));
      box.appendChild(feed);
    }
    box.appendChild(el('div', 'la-foot', 'live · last ' + s.window_minutes + ' minutes'));
    root.replaceChildren(box);
    root.setAttribute('data-at', s.at);
  }

  render(JSON.parse(d.getElementById('widget-state').textContent));
  if (!window.EventSource) return;
  // EventSource reconnects by itself; the widget state is whole in every update, so nothing needs replaying.
  var source = new EventSource(root.getAttribute('data-stream'));
  source.addEventListener('update', function (e) { render(JSON.parse(e.data)); });
})(document);
