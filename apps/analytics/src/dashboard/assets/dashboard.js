/*
 * The operators' dashboard: reads GET /ops/status every few seconds and draws it. Plain browser
 * JavaScript (no build step, no CDN). Auth: an operator token kept for the browser session;
 * where the development issuer runs (POST /dev/tokens, the embedded default) one is fetched
 * automatically, elsewhere the page asks for one.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'dmp-ops-token';
  var params = new URLSearchParams(location.search);
  // ?refresh=<seconds> (1 to 60); 3 s by default.
  var REFRESH_MS = Math.min(60, Math.max(1, Number(params.get('refresh')) || 3)) * 1000;
  var HISTORY = 120;
  var C = window.DmpCharts;

  var state = { token: null, tokenFromDevIssuer: false, timer: null, history: [], refreshes: 0 };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === undefined || attrs[k] === null) continue;
        if (k === 'text') node.textContent = String(attrs[k]);
        else if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, String(attrs[k]));
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // ---- formatting -------------------------------------------------------------------------
  function rate(v) { return v === null || v === undefined ? '–' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1); }
  function count(v) { return v === null || v === undefined ? '–' : Number(v).toLocaleString('en'); }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    var s = Math.round(seconds);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    if (m > 0) return m + 'm ' + (s % 60) + 's';
    return s + 's';
  }
  function ago(iso, now) {
    if (!iso) return 'never';
    var s = Math.max(0, (now - Date.parse(iso)) / 1000);
    return s < 1 ? 'just now' : duration(s) + ' ago';
  }
  // One unit only ("6m ago"), for narrow columns.
  function shortAgo(iso, now) {
    var s = Math.max(0, (now - Date.parse(iso)) / 1000);
    if (s < 60) return Math.round(s) + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ago';
    if (s < 86400) return Math.floor(s / 3600) + 'h ago';
    return Math.floor(s / 86400) + 'd ago';
  }
  var STATE_LABEL = { up: 'up', degraded: 'degraded', down: 'down', 'not-ready': 'not ready', silent: 'silent', unknown: 'unknown' };
  function pill(value) {
    return el('span', { className: 'pill pill-' + value, text: STATE_LABEL[value] || value });
  }

  // ---- authentication ---------------------------------------------------------------------
  function showLogin(message) {
    $('main').hidden = true;
    $('login').hidden = false;
    $('token-error').textContent = message || '';
    setOverall('unknown', 'signed out');
  }

  async function devToken() {
    try {
      var res = await fetch('/dev/tokens', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ role: 'operator', operatorId: 'ops-dashboard', ttlSeconds: 12 * 3600 }),
      });
      if (res.status !== 201) return null;
      return (await res.json()).token || null;
    } catch (e) {
      return null;
    }
  }

  async function ensureToken() {
    if (state.token) return true;
    var saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) { state.token = saved; state.tokenFromDevIssuer = false; return true; }
    var issued = await devToken();
    if (issued) { state.token = issued; state.tokenFromDevIssuer = true; return true; }
    showLogin('');
    return false;
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = $('token-input').value.trim();
    if (!value) return;
    state.token = value;
    state.tokenFromDevIssuer = false;
    sessionStorage.setItem(TOKEN_KEY, value);
    $('login').hidden = true;
    refreshNow();
  });

  $('change-token').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    if (state.timer) clearTimeout(state.timer);
    $('token-input').value = '';
    showLogin('');
  });

  // ---- refresh loop -----------------------------------------------------------------------
  function refreshNow() {
    if (state.timer) clearTimeout(state.timer);
    refresh().finally(function () {
      if (!$('login').hidden) return;
      state.timer = setTimeout(refreshNow, REFRESH_MS);
    });
  }

  async function refresh() {
    if (!(await ensureToken())) return;
    var res;
    try {
      res = await fetch('/ops/status', { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
    } catch (e) {
      return banner('analytics does not answer (' + (e && e.message ? e.message : 'network error') + '); retrying');
    }
    if (res.status === 401 || res.status === 403) {
      var wasDev = state.tokenFromDevIssuer;
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      // An expired development token is replaced silently; a pasted one needs the operator.
      if (wasDev && (await ensureToken())) return refresh();
      return showLogin(res.status === 403 ? 'This token is not an operator token.' : 'The token was refused (expired or invalid).');
    }
    if (!res.ok) return banner('GET /ops/status answered ' + res.status + '; retrying');
    var status = await res.json();
    banner(null);
    $('login').hidden = true;
    $('main').hidden = false;
    render(status);
    state.refreshes += 1;
    document.body.setAttribute('data-refreshes', String(state.refreshes));
  }

  function banner(text) {
    var node = $('banner');
    node.hidden = !text;
    node.textContent = text || '';
    if (text) setOverall('unknown', 'no data');
  }

  function setOverall(value, text) {
    var node = $('overall');
    node.className = 'pill pill-' + value;
    node.setAttribute('data-state', value);
    node.textContent = text;
  }

  // ---- rendering --------------------------------------------------------------------------
  function render(s) {
    var now = Date.parse(s.generatedAt) || Date.now();
    var up = s.services.filter(function (x) { return x.state === 'up'; }).length;
    setOverall(s.overall, s.overall === 'up' ? 'all services up' : s.overall === 'down' ? 'service down' : 'degraded');
    $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString('en-GB');
    state.history.push({ t: now, http: s.totals.httpPerSecond || 0, events: s.totals.eventsPerSecond || 0, errors: (s.totals.http5xxPerSecond || 0) + (s.totals.failedPerSecond || 0) });
    if (state.history.length > HISTORY) state.history.shift();

    renderTiles(s, up);
    renderServices(s, now);
    renderThroughput();
    renderImports(s);
    renderLag(s);
    renderDeadLetters(s);
    renderFigures(s);
  }

  function tile(label, value, tone) {
    return el('div', { className: 'tile' + (tone ? ' ' + tone : '') }, el('div', { className: 'label', text: label }), el('div', { className: 'value', text: value }));
  }

  function renderTiles(s, up) {
    var node = $('tiles');
    clear(node);
    var t = s.totals;
    node.appendChild(tile('services up', up + ' / ' + s.services.length, up === s.services.length ? 'good' : 'bad'));
    node.appendChild(tile('HTTP requests/s', rate(t.httpPerSecond)));
    node.appendChild(tile('HTTP 5xx/s', rate(t.http5xxPerSecond), t.http5xxPerSecond > 0 ? 'bad' : null));
    node.appendChild(tile('events handled/s', rate(t.eventsPerSecond)));
    node.appendChild(tile('dead letters', count(t.deadLetters), t.deadLetters > 0 ? 'warn' : null));
    node.appendChild(tile('outbox backlog', count(t.outboxBacklog), t.outboxBacklog > 1000 ? 'warn' : null));
    node.appendChild(tile('consumer lag', count(t.consumerLag), t.consumerLag > 10000 ? 'warn' : null));
    if (s.figures) node.appendChild(tile('open DMPs', count(s.figures.records.open)));
  }

  function renderServices(s, now) {
    var body = $('services').querySelector('tbody');
    clear(body);
    $('services-note').textContent = 'down after ' + s.downAfterSeconds + ' s without a heartbeat';
    s.services.forEach(function (svc) {
      var row = el('tr', { className: 'service', 'data-service': svc.service, 'data-state': svc.state },
        el('td', { text: svc.service }),
        el('td', null, pill(svc.state)),
        el('td', { className: 'num', text: svc.instancesUp + ' / ' + svc.instancesKnown }),
        el('td', { text: svc.versions.join(', ') || '–' }),
        el('td', { className: 'num', text: duration(svc.uptimeSeconds) }),
        el('td', { className: 'num', text: ago(svc.lastHeartbeatAt, now) }),
        el('td', { className: 'num', text: rate(svc.httpPerSecond) }),
        el('td', { className: 'num', text: rate(svc.http4xxPerSecond) }),
        el('td', { className: 'num', text: rate(svc.http5xxPerSecond) }),
        el('td', { className: 'num', text: rate(svc.eventsPerSecond) }),
        el('td', { className: 'num', text: rate(svc.failedPerSecond) }),
        el('td', { className: 'num', text: count(svc.outboxBacklog) }));
      body.appendChild(row);
      // One line per instance when there is more than one, or when the one is not up.
      if (svc.instances.length > 1 || svc.instances.some(function (i) { return i.state !== 'up'; })) {
        svc.instances.forEach(function (i) {
          body.appendChild(el('tr', { className: 'instance', 'data-instance': i.instance, 'data-state': i.state },
            el('td', { colspan: 3 }, el('span', { className: 'dot dot-' + i.state }), i.instance + ' · ' + (STATE_LABEL[i.state] || i.state)),
            el('td', { text: i.version }),
            el('td', { className: 'num', text: duration(i.uptimeSeconds) }),
            el('td', { className: 'num', text: ago(i.lastHeartbeatAt, now) }),
            el('td', { className: 'num', text: rate(i.httpPerSecond) }),
            el('td', { className: 'num', text: rate(i.http4xxPerSecond) }),
            el('td', { className: 'num', text: rate(i.http5xxPerSecond) }),
            el('td', { className: 'num', text: rate(i.eventsPerSecond) }),
            el('td', { className: 'num', text: rate(i.failedPerSecond) }),
            el('td', { className: 'num', text: count(i.outboxBacklog) })));
        });
      }
    });
  }

  function renderThroughput() {
    var h = state.history;
    C.lines($('throughput-chart'), [
      { name: 'HTTP requests/s', color: '#2563a8', points: h.map(function (p) { return { t: p.t, v: p.http }; }) },
      { name: 'events handled/s', color: '#1f9d55', points: h.map(function (p) { return { t: p.t, v: p.events }; }) },
      { name: '5xx + failed events/s', color: '#d13b3b', points: h.map(function (p) { return { t: p.t, v: p.errors }; }) },
    ], { emptyText: 'Collecting a few refreshes…', title: 'throughput' });
  }

  function bar(fraction, tone) {
    var b = el('div', { className: 'bar' + (tone ? ' ' + tone : '') }, el('span'));
    b.firstChild.style.width = (Math.max(0, Math.min(1, fraction)) * 100).toFixed(1) + '%';
    return b;
  }

  function emptyLine(text) { return el('p', { className: 'empty', text: text }); }

  function renderImports(s) {
    var node = $('imports');
    clear(node);
    if (s.imports.length === 0) return node.appendChild(emptyLine('No import running'));
    s.imports.forEach(function (f) {
      var pct = f.progress === null ? null : Math.round(f.progress * 1000) / 10;
      var eta = f.etaSeconds !== undefined && f.etaSeconds !== null ? ' · ' + duration(f.etaSeconds) + ' left' : '';
      node.appendChild(el('div', { className: 'import', 'data-file': f.fileId },
        el('div', { className: 'import-head' },
          el('strong', { text: f.fileId }),
          el('span', { className: 'muted', text: count(f.linesDone) + ' / ' + (f.totalLines ? count(f.totalLines) : '?') + ' lines · ' + rate(f.linesPerSecond) + ' lines/s' + eta })),
        bar(f.progress === null ? 0 : f.progress),
        el('div', { className: 'muted', text: (pct === null ? 'size unknown' : pct + ' %') + ' · ' + f.instance })));
    });
  }

  function renderLag(s) {
    var node = $('lag');
    clear(node);
    $('lag-note').textContent = s.lagMeasuredAt ? 'measured ' + ago(s.lagMeasuredAt, Date.parse(s.generatedAt)) : 'not measured yet';
    if (s.consumerLag.length === 0) return node.appendChild(emptyLine('No consumer group has committed offsets yet'));
    var max = Math.max.apply(null, s.consumerLag.map(function (l) { return l.lag; }).concat([1]));
    s.consumerLag.forEach(function (l) {
      node.appendChild(el('div', { className: 'bar-row', 'data-group': l.groupId, 'data-topic': l.topic, title: l.groupId + ' · ' + l.topic + ' (' + l.partitions + ' partitions)' },
        el('div', { className: 'name' }, el('strong', { text: l.groupId }), el('div', { className: 'muted', text: l.topic })),
        bar(l.lag / max, l.lag > 10000 ? 'warn' : null),
        el('div', { className: 'value', text: count(l.lag) })));
    });
  }

  function renderDeadLetters(s) {
    var node = $('dead-letters');
    clear(node);
    var d = s.deadLetters;
    if (d.total === 0) return node.appendChild(emptyLine('No dead letter'));
    var max = Math.max.apply(null, d.bySourceTopic.map(function (x) { return x.count; }));
    d.bySourceTopic.forEach(function (x) {
      node.appendChild(el('div', { className: 'bar-row', 'data-source-topic': x.sourceTopic },
        el('div', { className: 'name', text: x.sourceTopic, title: x.sourceTopic }), bar(x.count / max, 'bad'), el('div', { className: 'value', text: count(x.count) })));
    });
    var table = el('table', { className: 'reasons' }, el('thead', null, el('tr', null, el('th', { className: 'col-topic', text: 'topic' }), el('th', { text: 'reason' }), el('th', { className: 'num col-count', text: 'count' }), el('th', { className: 'num col-last', text: 'last' }))));
    var body = el('tbody');
    d.byReason.slice(0, 8).forEach(function (r) {
      body.appendChild(el('tr', null, el('td', { text: r.sourceTopic, title: r.sourceTopic }), el('td', { className: 'reason', text: r.reason, title: r.reason }), el('td', { className: 'num', text: count(r.count) }), el('td', { className: 'num', text: shortAgo(r.lastAt, Date.parse(s.generatedAt)) })));
    });
    table.appendChild(body);
    node.appendChild(table);
  }

  function renderFigures(s) {
    var f = s.figures;
    if (!f) {
      var why = 'Figures unavailable' + (s.figuresError ? ': ' + s.figuresError : '');
      ['openings-chart', 'coverage-chart', 'documents-chart'].forEach(function (id) { clear($(id)); $(id).appendChild(emptyLine(why)); });
      return;
    }
    C.stackedBars($('openings-chart'), f.weeklyOpenings, f.channels, { emptyText: 'No DMP opened in the last weeks', title: 'weekly creations by channel' });
    var offices = f.coverage.filter(function (r) { return r.cpamCode !== 'TOTAL'; });
    var total = f.coverage.filter(function (r) { return r.cpamCode === 'TOTAL'; })[0];
    var maxRate = Math.max.apply(null, offices.map(function (r) { return r.coverageRate; }).concat([1]));
    var rows = offices.map(function (r) { return { label: r.name || r.cpamCode, value: r.coverageRate, text: r.coverageRate.toFixed(1) + ' %' }; });
    if (total) rows.push({ label: 'all offices', value: total.coverageRate, text: total.coverageRate.toFixed(1) + ' %', color: '#10243e' });
    C.hbars($('coverage-chart'), rows, { max: Math.max(maxRate * 1.1, 1), emptyText: 'No CPAM reference loaded', title: 'coverage per CPAM' });
    C.stackedBars($('documents-chart'), f.weeklyDocuments, f.sources, { emptyText: 'No document added in the last weeks', title: 'documents by source' });
  }

  refreshNow();
})();
