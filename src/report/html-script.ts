// The HTML report's own script (inlined after uPlot's): draws the charts from the JSON the report carries. Each
// chart notes what it drew (window.kleakCharts, and data-points on its element) so a test can read it back.
export const chartScript = String.raw`
(function () {
  var started = performance.now();
  var charts = JSON.parse(document.getElementById('kleak-charts').textContent || '{}');
  var css = getComputedStyle(document.documentElement);
  var color = function (name) { return css.getPropertyValue(name).trim() || '#888'; };
  var fg = color('--fg'), muted = color('--muted'), line = color('--line'), accent = color('--accent'), shade = color('--shade'), warn = color('--warning'), err = color('--error');
  var drawn = (window.kleakCharts = []);
  var axis = function (label) { return { label: label, stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line } }; };
  var width = function (el) { return Math.max(280, el.clientWidth || 600); };
  function make(el, opts, data) {
    var plot = new uPlot(Object.assign({ width: width(el), height: 220 }, opts), data, el);
    el.setAttribute('data-points', String(data[0].length));
    drawn.push({ id: el.id, points: data[0].length, series: data.length - 1 });
    return plot;
  }
  /** shade the x range [from, to] (data units) behind the series */
  function band(from, to) {
    return function (u) {
      if (from === undefined || to === undefined) return;
      var x0 = u.valToPos(from, 'x', true), x1 = u.valToPos(to, 'x', true);
      u.ctx.save(); u.ctx.fillStyle = shade; u.ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height); u.ctx.restore();
    };
  }
  function vline(at, stroke, dash) {
    return function (u) {
      var x = u.valToPos(at, 'x', true);
      u.ctx.save(); u.ctx.strokeStyle = stroke; u.ctx.lineWidth = 2; if (dash) u.ctx.setLineDash([6, 4]);
      u.ctx.beginPath(); u.ctx.moveTo(x, u.bbox.top); u.ctx.lineTo(x, u.bbox.top + u.bbox.height); u.ctx.stroke(); u.ctx.restore();
    };
  }

  var w = charts.watch;
  if (w) {
    var seconds = w.atMs.map(function (t) { return t / 1000; });
    // the warm-up: from the first sample to the first of the baseline (its requests were sent in between)
    var firstBaseline = w.phase.indexOf('baseline');
    var warmEnd = w.phase[0] === 'warm-up' && firstBaseline > 0 ? seconds[firstBaseline] : undefined;
    var baselineAt = w.phase.lastIndexOf('baseline');
    w.series.forEach(function (s) {
      var timeEl = document.getElementById('time-' + s.key);
      if (timeEl)
        make(timeEl, {
          series: [{ label: 's' }, { label: s.label, stroke: accent, width: 2 }],
          scales: { x: { time: false } },
          axes: [axis('seconds'), axis('')],
          hooks: { drawClear: [band(seconds[0], warmEnd)] },
        }, [seconds, s.values]);
      var reqEl = document.getElementById('req-' + s.key);
      if (reqEl && w.requests) {
        var base = baselineAt >= 0 ? s.values[baselineAt] : s.values[0];
        var fitted = w.requests.map(function (r) { return s.perRequest === undefined || r < 0 ? null : base + s.perRequest * r; });
        make(reqEl, {
          series: [
            { label: 'requests' },
            { label: s.label, stroke: accent, width: 2 },
            { label: s.perRequest === undefined ? 'no slope' : s.perRequest.toFixed(1) + ' per request', stroke: warn, width: 2, dash: [6, 4], points: { show: false } },
          ],
          scales: { x: { time: false } },
          axes: [axis('requests since the baseline'), axis('')],
          hooks: { drawClear: [band(w.requests[0], 0)] },
        }, [w.requests, s.values, fitted]);
      }
    });
  }

  var sd = charts.shutdown;
  var lanesEl = document.getElementById('shutdown-lanes');
  if (sd && lanesEl) {
    var kinds = [];
    sd.events.forEach(function (e) { if (kinds.indexOf(e.kind) < 0) kinds.push(e.kind); });
    var xs = sd.events.map(function (e) { return e.atMs; }).concat([0]).filter(function (x, k, all) { return all.indexOf(x) === k; }).sort(function (a, b) { return a - b; });
    var data = [xs].concat(kinds.map(function (kind, lane) {
      return xs.map(function (x) { return sd.events.some(function (e) { return e.kind === kind && e.atMs === x; }) ? lane + 1 : null; });
    }));
    var palette = [accent, warn, err, '#8250df', '#1a7f37', '#bf3989', '#0550ae', '#953800'];
    // the events' own span (the grace period is often 100 times longer): the grace end is drawn when it is in it
    var last = Math.max.apply(null, xs.concat([sd.exitAfterMs || 0]));
    var right = Math.max(100, last * 1.25);
    var graceShown = sd.graceMs <= right * 1.5;
    if (graceShown) right = Math.max(right, sd.graceMs * 1.05);
    var draws = [vline(0, fg, false)];
    if (graceShown) draws.push(vline(sd.graceMs, err, true));
    if (sd.exitAfterMs !== undefined) draws.push(vline(sd.exitAfterMs, warn, false));
    make(lanesEl, {
      height: 60 + 34 * Math.max(1, kinds.length),
      series: [{ label: 'ms after ' + sd.signal }].concat(kinds.map(function (kind, k) {
        return { label: kind, stroke: palette[k % palette.length], paths: function () { return null; }, points: { show: true, size: 12, fill: palette[k % palette.length] } };
      })),
      scales: { x: { time: false, range: function (u, min) { return [Math.min(min, 0) - right * 0.03, right]; } }, y: { range: [0, kinds.length + 1] } },
      axes: [
        axis('ms after ' + sd.signal + (graceShown ? ' (the dashed line: the grace period ends)' : ' (the grace period ends at ' + sd.graceMs + ' ms, off to the right)')),
        Object.assign(axis(''), { splits: function () { return kinds.map(function (_, k) { return k + 1; }); }, values: function (u, vals) { return vals.map(function (v) { return kinds[v - 1] || ''; }); }, size: 120 }),
      ],
      hooks: { draw: draws },
    }, data);
  }

  var heap = charts.heap;
  var heapEl = document.getElementById('heap-owners');
  if (heap && heapEl) {
    var owners = heap.owners.slice(0, 20);
    var idx = owners.map(function (_, k) { return k + 1; });
    make(heapEl, {
      series: [{ label: 'owner', value: function (u, v) { return v == null ? '' : (owners[v - 1] || {}).name || ''; } },
        { label: 'MiB', stroke: accent, fill: accent, paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
      scales: { x: { time: false, range: [0.5, owners.length + 0.5] } },
      axes: [Object.assign(axis('owner (hover for its name; the table below names each)'), { values: function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) && v >= 1 && v <= owners.length ? '#' + v : ''; }); } }), axis('MiB')],
    }, [idx, owners.map(function (o) { return o.bytes / 1048576; })]);
  }
  window.kleakRenderMs = performance.now() - started;
  window.kleakRendered = true;
})();
`;
