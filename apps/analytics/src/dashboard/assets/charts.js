/*
 * Small SVG charts for the operators' dashboard: stacked weekly bars, horizontal bars and lines.
 * Plain browser JavaScript, no dependency (the page works without Internet access). Every text
 * goes through textContent: labels come from events and must never be read as markup.
 */
(function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';
  var PALETTE = ['#2563a8', '#1f9d55', '#e08a1e', '#8b5cf6', '#d13b3b', '#0e9aa7', '#6b7787'];

  function svg(tag, attrs, text) {
    var el = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) el.setAttribute(k, String(attrs[k]));
    if (text !== undefined) el.textContent = String(text);
    return el;
  }

  function clear(container) {
    while (container.firstChild) container.removeChild(container.firstChild);
  }

  function empty(container, message) {
    clear(container);
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = message;
    container.appendChild(p);
  }

  /** 1234567 -> "1.2 M", 15300 -> "15.3 k": axis labels stay short. */
  function compact(n) {
    var a = Math.abs(n);
    if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + ' M';
    if (a >= 1e3) return (n / 1e3).toFixed(a >= 1e4 ? 0 : 1) + ' k';
    if (a > 0 && a < 10 && n % 1 !== 0) return n.toFixed(1);
    return String(Math.round(n));
  }

  /** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten. */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  /** Gridlines that fall on round values: 5 for a bound of 5 or 10 times a power of ten, else 4. */
  function ticksFor(max) {
    var m = max / Math.pow(10, Math.floor(Math.log10(max)));
    return Math.abs(m - 5) < 1e-9 || Math.abs(m - 1) < 1e-9 ? 5 : 4;
  }

  function legend(container, keys, colors, labels) {
    var div = document.createElement('div');
    div.className = 'legend';
    keys.forEach(function (key, i) {
      var span = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.style.background = colors[i % colors.length];
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(labels && labels[key] ? labels[key] : key));
      div.appendChild(span);
    });
    container.appendChild(div);
  }

  function yAxis(root, max, left, top, height, width) {
    var n = ticksFor(max);
    for (var i = 0; i <= n; i++) {
      var v = (max * i) / n;
      var y = top + height - (height * i) / n;
      root.appendChild(svg('line', { x1: left, x2: left + width, y1: y, y2: y, stroke: '#e3e8ef', 'stroke-width': 1 }));
      root.appendChild(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, compact(v)));
    }
  }

  /**
   * Stacked bars, one per week. weeks: [{ week: 'YYYY-MM-DD', by: { key: n }, total }];
   * keys: the stack order.
   */
  function stackedBars(container, weeks, keys, options) {
    options = options || {};
    if (!weeks || weeks.length === 0) return empty(container, options.emptyText || 'No data yet');
    clear(container);
    var W = 460, H = 220, left = 44, right = 8, top = 10, bottom = 28;
    var plotW = W - left - right, plotH = H - top - bottom;
    var used = keys.filter(function (k) { return weeks.some(function (w) { return (w.by[k] || 0) > 0; }); });
    var max = niceMax(Math.max.apply(null, weeks.map(function (w) { return w.total; })));
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': options.title || 'chart' });
    yAxis(root, max, left, top, plotH, plotW);
    var slot = plotW / weeks.length;
    var barW = Math.max(4, Math.min(36, slot * 0.7));
    weeks.forEach(function (w, i) {
      var x = left + i * slot + (slot - barW) / 2;
      var y = top + plotH;
      used.forEach(function (k) {
        var v = w.by[k] || 0;
        if (v <= 0) return;
        var h = (v / max) * plotH;
        y -= h;
        var rect = svg('rect', { x: x, y: y, width: barW, height: Math.max(0.5, h), fill: PALETTE[keys.indexOf(k) % PALETTE.length], rx: 1.5 });
        rect.appendChild(svg('title', {}, w.week + ' · ' + k + ': ' + v.toLocaleString('en')));
        root.appendChild(rect);
      });
      var every = Math.ceil(weeks.length / 6);
      if (i % every === 0 || i === weeks.length - 1) {
        root.appendChild(svg('text', { x: x + barW / 2, y: H - 10, 'text-anchor': 'middle' }, w.week.slice(5)));
      }
    });
    container.appendChild(root);
    legend(container, used, used.map(function (k) { return PALETTE[keys.indexOf(k) % PALETTE.length]; }));
  }

  /** Horizontal bars: rows [{ label, value, text }], value in 0..max. */
  function hbars(container, rows, options) {
    options = options || {};
    if (!rows || rows.length === 0) return empty(container, options.emptyText || 'No data yet');
    clear(container);
    var rowH = 22, W = 460, labelW = 178, valueW = 56;
    var H = rows.length * rowH + 6;
    var max = options.max || niceMax(Math.max.apply(null, rows.map(function (r) { return r.value; })));
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': options.title || 'chart' });
    var plotW = W - labelW - valueW - 8;
    rows.forEach(function (r, i) {
      var y = 3 + i * rowH;
      var label = svg('text', { x: labelW - 8, y: y + 14, 'text-anchor': 'end' }, r.label.length > 24 ? r.label.slice(0, 23) + '…' : r.label);
      label.appendChild(svg('title', {}, r.label));
      root.appendChild(label);
      root.appendChild(svg('rect', { x: labelW, y: y + 4, width: plotW, height: 12, fill: '#edf1f6', rx: 6 }));
      var w = Math.max(0, Math.min(1, r.value / max)) * plotW;
      if (w > 0) root.appendChild(svg('rect', { x: labelW, y: y + 4, width: Math.max(2, w), height: 12, fill: r.color || PALETTE[0], rx: 6 }));
      var value = svg('text', { x: W - 4, y: y + 14, 'text-anchor': 'end' }, r.text);
      value.setAttribute('style', 'fill:#1d2733;font-weight:600');
      root.appendChild(value);
    });
    container.appendChild(root);
  }

  /** Lines over time: series [{ name, color, points: [{ t: ms, v }] }]. */
  function lines(container, series, options) {
    options = options || {};
    var all = [];
    series.forEach(function (s) { all = all.concat(s.points); });
    if (all.length < 2) return empty(container, options.emptyText || 'Collecting…');
    clear(container);
    var W = 460, H = 200, left = 44, right = 8, top = 10, bottom = 24;
    var plotW = W - left - right, plotH = H - top - bottom;
    var t0 = Math.min.apply(null, all.map(function (p) { return p.t; }));
    var t1 = Math.max.apply(null, all.map(function (p) { return p.t; }));
    var max = niceMax(Math.max.apply(null, all.map(function (p) { return p.v; })));
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': options.title || 'chart' });
    yAxis(root, max, left, top, plotH, plotW);
    var span = Math.max(1, t1 - t0);
    series.forEach(function (s) {
      if (s.points.length === 0) return;
      var d = s.points.map(function (p, i) {
        var x = left + ((p.t - t0) / span) * plotW;
        var y = top + plotH - (p.v / max) * plotH;
        return (i === 0 ? 'M' : 'L') + x.toFixed(1) + ' ' + y.toFixed(1);
      }).join(' ');
      root.appendChild(svg('path', { d: d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    });
    root.appendChild(svg('text', { x: left, y: H - 6 }, new Date(t0).toLocaleTimeString('en-GB')));
    root.appendChild(svg('text', { x: W - right, y: H - 6, 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString('en-GB')));
    container.appendChild(root);
    legend(container, series.map(function (s) { return s.name; }), series.map(function (s) { return s.color; }));
  }

  window.DmpCharts = { stackedBars: stackedBars, hbars: hbars, lines: lines, compact: compact, palette: PALETTE };
})();
