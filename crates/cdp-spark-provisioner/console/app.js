// The web console of the CDP Spark provisioner: pages drawn from the job
// status API. Every value from the API is untrusted (descriptor texts are
// written by anyone who can provision): it reaches the page through
// textContent and attributes set one by one, never as markup; links are
// followed only when they are http(s).
'use strict';

(function () {
  const API = '/v1/scheduler';
  const TOKENS = { status: 'cdp.statusToken', trigger: 'cdp.triggerToken' };
  // The run states drawn in their own colour; any other state is drawn
  // as "other", so a state the API adds later still shows.
  const STATES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'KILLED', 'SKIPPED', 'RUNNING', 'SUBMITTING', 'QUEUED', 'LOST'];
  const UNFINISHED = ['RUNNING', 'SUBMITTING', 'QUEUED'];
  const FAILURES = ['FAILED', 'TIMED_OUT', 'KILLED', 'LOST'];
  const REFRESH_MS = 3000;
  const JOBS_REFRESH_MS = 15000;

  // ------------------------------------------------------------ helpers --

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'className') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'text') node.textContent = String(v);
      else node.setAttribute(k, String(v));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function stateClass(state) {
    return 'state state-' + (STATES.includes(state) ? state : 'other');
  }

  function stateBadge(state) {
    return el('span', { className: state ? stateClass(state) : 'state state-none', text: state || 'never run' });
  }

  function isFailure(state) {
    return FAILURES.includes(state);
  }

  function isFinal(state) {
    return !UNFINISHED.includes(state);
  }

  function safeUrl(text) {
    try {
      const u = new URL(String(text), window.location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(url, label) {
    const href = safeUrl(url);
    return href ? el('a', { href, rel: 'noopener noreferrer', text: label || href }) : el('span', { text: String(url) });
  }

  function when(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function time(iso) {
    return iso ? el('time', { datetime: iso, title: iso, text: when(iso) }) : el('span', { text: '—' });
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return '—';
    const s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  function runDuration(run) {
    const start = Date.parse(run.actualFireTime);
    const end = run.endedAt ? Date.parse(run.endedAt) : isFinal(run.state) ? NaN : Date.now();
    return isNaN(start) || isNaN(end) ? null : Math.max(0, end - start);
  }

  function jobPath(key) {
    return '/ui/jobs/' + encodeURIComponent(key.group) + '/' + encodeURIComponent(key.name);
  }

  function jobApi(key) {
    return API + '/jobs/' + encodeURIComponent(key.group) + '/' + encodeURIComponent(key.name);
  }

  function runPath(id) {
    return '/ui/runs/' + encodeURIComponent(id);
  }

  function setTitle(text) {
    document.title = text + ' — CDP Spark provisioner';
  }

  // ---------------------------------------------------------------- API --

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function problemText(response) {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      return body.message || body.userMessage || body.error || text;
    } catch (e) {
      return text || response.statusText;
    }
  }

  // Calls the API with the stored token of its kind; on 401 asks for the
  // token and tries again (until the user cancels).
  async function call(path, options) {
    const kind = options && options.write ? 'trigger' : 'status';
    for (;;) {
      const headers = { Accept: 'application/json' };
      const token = sessionStorage.getItem(TOKENS[kind]);
      if (token) headers.Authorization = 'Bearer ' + token;
      const init = { method: (options && options.method) || 'GET', headers, credentials: 'omit' };
      if (options && options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(options.body);
      }
      const response = await fetch(path, init);
      if (response.status === 401) {
        const message = await problemText(response);
        const given = await askToken(kind, message, !!token);
        if (given === null) throw new ApiError(401, message);
        continue;
      }
      if (!response.ok) throw new ApiError(response.status, await problemText(response));
      const type = response.headers.get('Content-Type') || '';
      return type.includes('json') ? response.json() : response.text();
    }
  }

  // The token form; resolves with the token, or null when cancelled.
  function askToken(kind, message, wasWrong) {
    const region = document.getElementById('auth');
    const id = 'token-' + kind;
    return new Promise((resolve) => {
      const input = el('input', { id, type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
      const done = (value) => {
        clear(region).hidden = true;
        resolve(value);
      };
      const form = el('form', {
        className: 'token-form',
        onsubmit: (e) => {
          e.preventDefault();
          sessionStorage.setItem(TOKENS[kind], input.value.trim());
          done(input.value.trim());
        },
      },
      el('h2', { text: kind === 'status' ? 'Status token required' : 'Trigger token required' }),
      el('p', { text: (wasWrong ? 'The token was not accepted. ' : '') +
        (kind === 'status'
          ? 'This provisioner asks for its status token (auth.status_token) to show jobs and runs.'
          : 'Starting, pausing and resuming jobs needs the trigger token (auth.trigger_token).') }),
      el('p', { className: 'muted', text: 'The API said: ' + message }),
      el('label', { for: id, text: kind === 'status' ? 'Status token' : 'Trigger token' }),
      input,
      el('div', { className: 'buttons' },
        el('button', { type: 'submit', text: 'Use this token' }),
        el('button', { type: 'button', className: 'secondary', text: 'Cancel', onclick: () => done(null) })),
      el('p', { className: 'muted', text: 'The token is kept in this browser tab only (sessionStorage) and sent to this server as a bearer token.' }));
      clear(region).appendChild(form);
      region.hidden = false;
      input.focus();
    });
  }

  function errorBox(error) {
    const status = error && error.status ? 'HTTP ' + error.status + ': ' : '';
    return el('p', { className: 'error', role: 'alert', text: status + (error && error.message ? error.message : String(error)) });
  }

  // ---------------------------------------------------------- jobs page --

  const VIEWS = [
    ['', 'All jobs'],
    ['FAILING', 'Failing now'],
    ['LATE', 'Did not run when expected'],
    ['PAUSED', 'Paused'],
    ['NEVER_RUN', 'Never run'],
    ['RUNNING', 'Latest run: running'],
    ['SUCCEEDED', 'Latest run: succeeded'],
    ['FAILED', 'Latest run: failed'],
    ['KILLED', 'Latest run: killed'],
    ['SKIPPED', 'Latest run: skipped'],
    ['LOST', 'Latest run: lost'],
  ];

  function runCell(run) {
    const label = run.state + ', ' + duration(run.durationMs) + ', fired ' + when(run.actualFireTime);
    return el('a', { href: runPath(run.runId), className: 'cell ' + stateClass(run.state), title: label, 'aria-label': label },
      isFailure(run.state) ? '✕' : '');
  }

  async function jobsPage(main) {
    const params = new URLSearchParams(window.location.search);
    const state = params.get('state') || '';
    const product = params.get('dataProduct') || '';
    const offset = params.get('offset') || '0';
    const view = VIEWS.find(([v]) => v === state.toUpperCase());
    const heading = view && view[0] ? view[1] : 'Jobs';
    setTitle(heading);

    const stateSelect = el('select', { id: 'f-state', name: 'state' },
      VIEWS.map(([v, label]) => el('option', { value: v, selected: v === state.toUpperCase(), text: label })));
    const form = el('form', { className: 'filters', method: 'get', action: '/ui/', role: 'search' },
      el('div', {}, el('label', { for: 'f-product', text: 'Data product' }),
        el('input', { id: 'f-product', name: 'dataProduct', value: product, placeholder: 'urn:dmb:dp:…', size: 40 })),
      el('div', {}, el('label', { for: 'f-state', text: 'Show' }), stateSelect),
      el('button', { type: 'submit', text: 'Filter' }));
    const status = el('p', { className: 'muted', 'aria-live': 'polite', id: 'jobs-status' });
    const table = el('div', { id: 'jobs' });
    const bulkOut = el('div', { id: 'bulk-result', 'aria-live': 'polite' });
    append(clear(main), [el('h1', { text: heading }), form,
      bulkSection(product.trim(), bulkOut, () => load()), bulkOut, status, table]);

    const q = new URLSearchParams();
    if (product) q.set('dataProduct', product);
    if (state) q.set('state', state);
    if (offset !== '0') q.set('offset', offset);
    const load = async () => {
      let page;
      try {
        page = await call(API + '/jobs?' + q.toString());
      } catch (e) {
        clear(table).appendChild(errorBox(e));
        return false;
      }
      status.textContent = page.total + (page.total === 1 ? ' job' : ' jobs') + ' · updated ' + new Date().toLocaleTimeString();
      clear(table).appendChild(jobsTable(page));
      if (page.nextOffset !== null && page.nextOffset !== undefined) {
        const next = new URLSearchParams(q);
        next.set('offset', String(page.nextOffset));
        table.appendChild(el('p', {}, el('a', { href: '/ui/?' + next.toString(), text: 'Next page' })));
      }
      return true;
    };
    // Refreshed while the API answers (not after a refused token).
    if (await load()) setTimeout(function again() {
      load().then((ok) => { if (ok) setTimeout(again, JOBS_REFRESH_MS); });
    }, JOBS_REFRESH_MS);
  }

  // Pause or resume every job (of the data product filtered, if any), after
  // a confirmation naming the scope and how many jobs it holds.
  function bulkSection(product, out, reload) {
    const scope = product ? 'every job of data product ' + product : 'every job of every data product';
    const confirmBox = el('div', { id: 'bulk-confirm', className: 'confirm', role: 'alertdialog', 'aria-labelledby': 'bulk-question', hidden: true });
    let opener = null;
    const close = () => {
      clear(confirmBox).hidden = true;
      if (opener) opener.focus();
    };
    confirmBox.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
    const ask = (paused, button) => async () => {
      opener = button;
      let total;
      try {
        const q = new URLSearchParams({ limit: '1', runs: '1' });
        if (product) q.set('dataProduct', product);
        total = (await call(API + '/jobs?' + q.toString())).total;
      } catch (e) {
        showResult(out, null, e);
        return;
      }
      const verb = paused ? 'Pause' : 'Resume';
      const jobs = total + (total === 1 ? ' job' : ' jobs');
      const go = async () => {
        close();
        clear(out).appendChild(el('p', { text: 'Working…' }));
        try {
          const body = product ? { dataProduct: product } : undefined;
          showResult(out, await call(API + (paused ? '/pause' : '/resume'), { method: 'POST', write: true, body }));
          reload();
        } catch (e) {
          showResult(out, null, e);
        }
      };
      const yes = el('button', { type: 'button', id: 'bulk-yes', onclick: go, text: verb + ' ' + jobs });
      append(clear(confirmBox), [
        el('p', { id: 'bulk-question', text: verb + ' ' + scope + ' (' + jobs + ')? ' +
          (paused ? 'Nothing of them fires until they are resumed; runs in flight go on.'
            : 'They fire again from their next fire time.') }),
        el('div', { className: 'buttons' }, yes,
          el('button', { type: 'button', id: 'bulk-no', className: 'secondary', onclick: close, text: 'Cancel' }))]);
      confirmBox.hidden = false;
      yes.focus();
    };
    const pause = el('button', { type: 'button', id: 'pause-all', className: 'secondary' });
    const resume = el('button', { type: 'button', id: 'resume-all', className: 'secondary' });
    pause.textContent = product ? 'Pause all jobs of this data product' : 'Pause all jobs';
    resume.textContent = product ? 'Resume all jobs of this data product' : 'Resume all jobs';
    pause.addEventListener('click', ask(true, pause));
    resume.addEventListener('click', ask(false, resume));
    return el('section', { 'aria-label': 'Pause or resume ' + scope, className: 'bulk' },
      el('div', { className: 'buttons' }, pause, resume), confirmBox);
  }

  function jobsTable(page) {
    if (page.jobs.length === 0) return el('p', { text: 'No job matches.' });
    const rows = page.jobs.map((j) => el('tr', {},
      el('th', { scope: 'row' }, el('a', { href: jobPath(j.key), text: j.key.name })),
      el('td', { className: 'wrap', text: j.dataProduct }),
      el('td', {}, j.schedule
        ? [el('span', { text: j.schedule.description }), el('br'), el('span', { className: 'muted', text: j.schedule.cronExpression + ' · ' + j.schedule.timeZone })]
        : el('span', { className: 'muted', text: 'manual only' })),
      el('td', {}, time(j.nextFireTime)),
      el('td', { text: j.paused ? 'paused' : '' }),
      el('td', {}, stateBadge(j.status), j.late ? el('span', { className: 'late', title: j.lateReason, text: ' late' }) : null),
      el('td', {}, el('span', { className: 'cells' }, j.lastRuns.slice().reverse().map(runCell)))));
    return el('table', { className: 'jobs' },
      el('caption', { className: 'visually-hidden', text: 'Jobs, their schedule, state and last runs (oldest to newest)' }),
      el('thead', {}, el('tr', {},
        ['Job', 'Data product', 'Schedule', 'Next fire time', 'Paused', 'Status', 'Last runs'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows));
  }

  // ----------------------------------------------------------- job page --

  async function jobPage(main, key) {
    setTitle(key.name);
    const actionsOut = el('div', { id: 'action-result', 'aria-live': 'polite' });
    const scheduleBox = el('section', { 'aria-labelledby': 'h-schedule' }, el('h2', { id: 'h-schedule', text: 'Schedule' }));
    const settingsBox = el('section', { 'aria-labelledby': 'h-settings' }, el('h2', { id: 'h-settings', text: 'Settings' }));
    const runsBox = el('section', { 'aria-labelledby': 'h-runs' }, el('h2', { id: 'h-runs', text: 'Runs' }));
    const runsBody = el('div', { 'aria-live': 'polite' });
    runsBox.appendChild(runsBody);
    append(clear(main), [
      el('p', { className: 'crumbs' }, el('a', { href: '/ui/', text: 'Jobs' }), ' / ', el('span', { text: key.group })),
      el('h1', { text: key.name }),
      actionsSection(key, actionsOut, () => loadRuns()),
      actionsOut, runsBox, scheduleBox, settingsBox]);

    let view;
    try {
      view = await call(jobApi(key));
    } catch (e) {
      main.appendChild(errorBox(e));
      return;
    }
    settingsBox.appendChild(settings(view));
    call(jobApi(key) + '/schedule').then((s) => scheduleBox.appendChild(schedule(s)),
      (e) => scheduleBox.appendChild(errorBox(e)));

    const loadRuns = async () => {
      let page;
      try {
        page = await call(API + '/runs?limit=100&job=' + encodeURIComponent(key.group + '/' + key.name));
      } catch (e) {
        clear(runsBody).appendChild(errorBox(e));
        return;
      }
      clear(runsBody);
      append(runsBody, [runGrid(page.runs), runsTable(page.runs)]);
      return page.runs;
    };
    const runs = await loadRuns();
    if (runs && runs.some((r) => !isFinal(r.state))) setTimeout(function again() {
      loadRuns().then((rs) => { if (rs && rs.some((r) => !isFinal(r.state))) setTimeout(again, REFRESH_MS); });
    }, REFRESH_MS);
  }

  function dl(pairs) {
    return el('dl', { className: 'pairs' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [el('dt', { text: k }), el('dd', {}, typeof v === 'object' ? v : String(v))]));
  }

  function settings(view) {
    const job = view.job || {};
    const spec = job.spec || {};
    const conf = Object.entries(spec.conf || {});
    return el('div', {},
      dl([
        ['Component', job.componentId],
        ['Description', job.description],
        ['Jar', spec.jar],
        ['Main class', spec.className],
        ['Queue', spec.queue],
        ['Arguments', (spec.args || []).join(' ')],
        ['Dependencies', (spec.dependencies || []).join(', ')],
        ['Driver', [spec.driverCores && spec.driverCores + ' cores', spec.driverMemory].filter(Boolean).join(', ')],
        ['Executors', [spec.numExecutors && spec.numExecutors + ' executors', spec.executorCores && spec.executorCores + ' cores', spec.executorMemory].filter(Boolean).join(', ')],
        ['Log level', spec.logLevel],
        ['Runs at once', job.nonConcurrent ? 'one (a fire waits or is skipped while a run is in flight)' : 'several'],
      ]),
      conf.length
        ? el('table', { className: 'conf' }, el('caption', { text: 'Spark configuration (secrets redacted)' }),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Key' }), el('th', { scope: 'col', text: 'Value' }))),
          el('tbody', {}, conf.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', className: 'mono', text: k }), el('td', { className: 'mono wrap', text: v })))))
        : null);
  }

  function schedule(s) {
    if (!s.schedule) return el('p', { text: 'No schedule: the job runs only when started by hand.' });
    return el('div', {},
      dl([
        ['In words', s.schedule.description],
        ['Cron expression', s.schedule.cronExpression],
        ['Time zone', s.schedule.timeZone],
        ['Paused', s.paused ? 'yes: nothing fires until it is resumed' : 'no'],
      ]),
      el('h3', { text: 'Next five fire times' }),
      s.nextFireTimes.length
        ? el('ol', { className: 'next' }, s.nextFireTimes.map((t) => el('li', {}, time(t))))
        : el('p', { text: 'None: the schedule has ended.' }));
  }

  // Durations to scale: one bar per run, oldest left; failures marked.
  function runGrid(runs) {
    const ordered = runs.slice().reverse();
    if (ordered.length === 0) return el('p', { text: 'No run yet.' });
    const durations = ordered.map(runDuration);
    const max = Math.max(1000, ...durations.filter((d) => d !== null));
    const W = 720, H = 160, top = 10, bottom = 20, left = 48;
    const step = (W - left) / Math.max(ordered.length, 10);
    const bar = Math.max(2, step * 0.7);
    const scale = (H - top - bottom) / max;
    const fig = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'grid', role: 'img', 'aria-labelledby': 'grid-title grid-desc' },
      svg('title', { id: 'grid-title', text: 'Run durations, oldest to newest' }),
      svg('desc', { id: 'grid-desc', text: `${ordered.length} runs; the longest took ${duration(max)}; failed runs are marked with a cross.` }),
      svg('line', { x1: left, y1: H - bottom, x2: W, y2: H - bottom, class: 'axis' }),
      svg('text', { x: left - 6, y: top + 8, class: 'tick', 'text-anchor': 'end', text: duration(max) }),
      svg('text', { x: left - 6, y: H - bottom, class: 'tick', 'text-anchor': 'end', text: '0' }));
    ordered.forEach((run, i) => {
      const d = durations[i];
      const h = d === null ? 2 : Math.max(2, d * scale);
      const x = left + i * step + (step - bar) / 2;
      const link = svg('a', { href: runPath(run.runId) },
        svg('title', { text: `${run.state}, ${duration(d)}, fired ${when(run.actualFireTime)}` }),
        svg('rect', { x, y: H - bottom - h, width: bar, height: h, class: 'bar ' + stateClass(run.state) }));
      if (isFailure(run.state)) {
        link.appendChild(svg('text', { x: x + bar / 2, y: H - 5, class: 'fail-mark', 'text-anchor': 'middle', text: '✕' }));
      }
      fig.appendChild(link);
    });
    return el('figure', {}, fig, el('figcaption', { className: 'muted', text: 'Duration of each run to scale, oldest left; ✕ marks a failure. Select a bar for its run.' }));
  }

  function runsTable(runs) {
    if (runs.length === 0) return null;
    return el('table', { className: 'runs' },
      el('caption', { className: 'visually-hidden', text: 'Runs, newest first' }),
      el('thead', {}, el('tr', {}, ['Run', 'State', 'Scheduled', 'Fired', 'Duration', 'Trigger'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, runs.map((r) => el('tr', {},
        el('th', { scope: 'row' }, el('a', { href: runPath(r.runId), className: 'mono', text: r.runId })),
        el('td', {}, stateBadge(r.state)),
        el('td', {}, time(r.scheduledFireTime)),
        el('td', {}, time(r.actualFireTime)),
        el('td', { text: duration(runDuration(r)) }),
        el('td', { className: 'mono', text: r.triggerKey ? r.triggerKey.name : '' })))));
  }

  function showResult(out, result, error) {
    clear(out);
    if (error) {
      out.appendChild(errorBox(error));
      return;
    }
    const box = el('div', { className: 'result', role: 'status' });
    if (result && typeof result === 'object') {
      if (result.message) box.appendChild(el('p', { text: result.message }));
      if (result.runId) box.appendChild(el('p', {}, 'Run: ', el('a', { href: runPath(result.runId), id: 'new-run', text: result.runId })));
      const rest = Object.assign({}, result);
      delete rest.message;
      box.appendChild(el('details', {}, el('summary', { text: 'Answer' }), el('pre', { text: JSON.stringify(rest, null, 2) })));
    } else {
      box.appendChild(el('p', { text: String(result) }));
    }
    out.appendChild(box);
  }

  function actionsSection(key, out, reload) {
    const act = (path, body) => async () => {
      clear(out).appendChild(el('p', { text: 'Working…' }));
      try {
        const result = await call(jobApi(key) + path, { method: 'POST', write: true, body });
        showResult(out, result);
        reload();
      } catch (e) {
        showResult(out, null, e);
      }
    };
    const args = el('textarea', { id: 'run-args', rows: 2, cols: 40, placeholder: 'one argument per line' });
    const conf = el('textarea', { id: 'run-conf', rows: 2, cols: 40, placeholder: 'spark.key=value, one per line' });
    const runNow = async () => {
      const a = args.value.split('\n').map((s) => s.trim()).filter(Boolean);
      const c = {};
      for (const line of conf.value.split('\n').map((s) => s.trim()).filter(Boolean)) {
        const at = line.indexOf('=');
        if (at <= 0) {
          showResult(out, null, new Error(`conf line "${line}" is not key=value`));
          return;
        }
        c[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      const body = a.length || Object.keys(c).length ? { args: a, conf: c } : undefined;
      await act('/trigger', body)();
    };
    const from = el('input', { id: 'bf-from', type: 'datetime-local', step: 1 });
    const to = el('input', { id: 'bf-to', type: 'datetime-local', step: 1 });
    const parallel = el('input', { id: 'bf-parallel', type: 'number', min: 1, max: 100, value: 1 });
    const iso = (input) => (input.value ? new Date(input.value).toISOString() : '');
    const backfill = (dryRun) => () => act('/backfill', { from: iso(from), to: iso(to), dryRun, maxParallel: Number(parallel.value) || 1 })();
    const rerunLatest = async () => {
      try {
        const page = await call(API + '/runs?limit=1&job=' + encodeURIComponent(key.group + '/' + key.name));
        if (!page.runs.length) throw new Error('the job has no run to rerun yet');
        clear(out).appendChild(el('p', { text: 'Working…' }));
        showResult(out, await call(API + '/runs/' + encodeURIComponent(page.runs[0].runId) + '/rerun', { method: 'POST', write: true }));
        reload();
      } catch (e) {
        showResult(out, null, e);
      }
    };
    return el('section', { 'aria-labelledby': 'h-actions', className: 'actions' },
      el('h2', { id: 'h-actions', text: 'Actions' }),
      el('div', { className: 'buttons' },
        el('button', { type: 'button', id: 'run-now', onclick: runNow, text: 'Run now' }),
        el('button', { type: 'button', id: 'rerun', onclick: rerunLatest, text: 'Rerun latest run' }),
        el('button', { type: 'button', id: 'pause', onclick: act('/pause'), text: 'Pause' }),
        el('button', { type: 'button', id: 'resume', onclick: act('/resume'), text: 'Resume' })),
      el('details', {}, el('summary', { text: 'Run now with parameters' }),
        el('div', { className: 'form-row' }, el('label', { for: 'run-args', text: 'Arguments' }), args),
        el('div', { className: 'form-row' }, el('label', { for: 'run-conf', text: 'Spark configuration' }), conf),
        el('p', { className: 'muted', text: 'Filled in, they are sent with "Run now"; the API checks them against the operator\'s policy.' })),
      el('details', {}, el('summary', { text: 'Backfill' }),
        el('div', { className: 'form-row' }, el('label', { for: 'bf-from', text: 'From (local time)' }), from),
        el('div', { className: 'form-row' }, el('label', { for: 'bf-to', text: 'To (local time)' }), to),
        el('div', { className: 'form-row' }, el('label', { for: 'bf-parallel', text: 'Runs at once' }), parallel),
        el('div', { className: 'buttons' },
          el('button', { type: 'button', id: 'bf-preview', onclick: backfill(true), text: 'Preview (dry run)' }),
          el('button', { type: 'button', id: 'bf-start', onclick: backfill(false), text: 'Backfill' }))));
  }

  // ----------------------------------------------------------- run page --

  async function runPage(main, runId) {
    setTitle('Run ' + runId);
    const body = el('div', { 'aria-live': 'polite', id: 'run-body' });
    const logBox = el('pre', { id: 'log', className: 'log', tabindex: 0, 'aria-label': 'Log tail' });
    const logStatus = el('p', { id: 'log-status', className: 'muted', 'aria-live': 'polite' });
    const crumbs = el('p', { className: 'crumbs' }, el('a', { href: '/ui/', text: 'Jobs' }));
    append(clear(main), [crumbs, el('h1', {}, 'Run ', el('span', { className: 'mono', text: runId })), body,
      el('section', { 'aria-labelledby': 'h-log' }, el('h2', { id: 'h-log', text: 'Log' }), logStatus, logBox)]);

    let logsMissing = false;
    const load = async () => {
      let run;
      try {
        run = await call(API + '/runs/' + encodeURIComponent(runId));
      } catch (e) {
        clear(body).appendChild(errorBox(e));
        return null;
      }
      if (crumbs.childNodes.length === 1 && run.jobKey) {
        append(crumbs, [' / ', el('a', { href: jobPath(run.jobKey), text: run.jobKey.name })]);
      }
      clear(body).appendChild(runDetails(run));
      if (!logsMissing) {
        try {
          const log = await call(API + '/runs/' + encodeURIComponent(runId) + '/logs?tail=200');
          logBox.textContent = logText(log) || '(empty)';
          logStatus.textContent = isFinal(run.state) ? 'The end of the log.' : 'The end of the log, refreshed every few seconds while the run goes on.';
        } catch (e) {
          if (e.status === 404 && /no route/i.test(e.message)) {
            logsMissing = true;
            logStatus.textContent = 'Logs not available: this provisioner does not serve run logs.';
            logBox.textContent = '';
          } else {
            logStatus.textContent = 'Logs not available: ' + e.message;
          }
        }
      }
      return run;
    };
    const run = await load();
    if (run && !isFinal(run.state)) setTimeout(function again() {
      load().then((r) => { if (r && !isFinal(r.state)) setTimeout(again, REFRESH_MS); });
    }, REFRESH_MS);
  }

  function logText(log) {
    if (typeof log === 'string') return log;
    if (log && Array.isArray(log.lines)) return log.lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    if (log && typeof log.text === 'string') return log.text;
    if (log && typeof log.log === 'string') return log.log;
    return JSON.stringify(log, null, 2);
  }

  function runLinks(run) {
    const links = [];
    if (run.trackingUrl) links.push(['Tracking URL', run.trackingUrl]);
    const extra = run.links;
    if (Array.isArray(extra)) {
      for (const l of extra) if (l && typeof l === 'object') links.push([l.label || l.name || l.rel || 'Link', l.url || l.href]);
    } else if (extra && typeof extra === 'object') {
      for (const [k, v] of Object.entries(extra)) links.push([k, typeof v === 'object' && v ? v.url || v.href : v]);
    }
    return links.filter(([, u]) => u);
  }

  // The milliseconds from `from` to `to` (instants), null unless both
  // are known and in order.
  function between(from, to) {
    const a = Date.parse(from), b = Date.parse(to);
    return isNaN(a) || isNaN(b) || b < a ? null : b - a;
  }

  // A run's timeline: fired, submitted, running, ended, each with its
  // time (or why there is none) and the time since the step before
  // (queue wait, start-up, run time), in words as well as marks.
  function timeline(run) {
    const final = isFinal(run.state);
    const now = new Date().toISOString();
    const missing = (yet, never) => (final ? never : yet);
    const steps = [
      { step: 'fired', label: 'Fired', at: run.actualFireTime },
      {
        step: 'submitted', label: 'Submitted', at: run.submittedAt, gap: 'queue wait', from: run.actualFireTime,
        none: missing('not yet', run.applicationId ? 'not recorded' : 'never submitted'),
      },
      {
        step: 'running', label: 'Running', at: run.runningAt, gap: 'start-up', from: run.submittedAt,
        none: missing(run.submittedAt ? 'not seen running yet' : 'not yet', run.submittedAt ? 'not seen running (it ended between two checks)' : 'never ran'),
      },
      {
        step: 'ended', label: 'Ended', at: run.endedAt, gap: 'run time', from: run.runningAt,
        none: missing('not yet', 'not recorded'),
      },
    ];
    const next = steps.findIndex((s) => !s.at);
    return el('ol', { className: 'timeline', id: 'timeline' }, steps.map((s, i) => {
      const done = !!s.at;
      // The step under way: its time so far.
      const ongoing = !final && i === next && !!s.from;
      const ms = between(s.from, done ? s.at : ongoing ? now : null);
      const since = s.gap && ms !== null ? ' (' + s.gap + (done ? ' ' : ' so far ') + duration(ms) + ')' : '';
      return el('li', { className: 'step ' + (done ? 'done' : 'pending'), 'data-step': s.step },
        el('span', { className: 'mark', 'aria-hidden': 'true', text: done ? '●' : '○' }),
        el('strong', { text: s.label + ': ' }), done ? time(s.at) : el('span', { className: 'muted', text: s.none }),
        since ? el('span', { className: 'gap', text: since }) : null);
    }));
  }

  function runDetails(run) {
    const links = runLinks(run);
    const params = ['args', 'conf', 'parameters'].filter((k) => run[k] !== undefined && run[k] !== null);
    return el('div', {},
      el('p', {}, 'State: ', stateBadge(run.state), run.finalStatus ? ' (final status ' + run.finalStatus + ')' : '',
        ' · duration ' + duration(runDuration(run))),
      run.error ? el('p', { className: 'error', text: run.error }) : null,
      el('section', { 'aria-labelledby': 'h-timeline' }, el('h2', { id: 'h-timeline', text: 'Timeline' }),
        timeline(run),
        dl([
          ['Scheduled', run.scheduledFireTime ? time(run.scheduledFireTime) : null],
          ['Nominal time', run.nominalTime ? time(run.nominalTime) : null],
          ['Last update', run.updatedAt ? time(run.updatedAt) : null],
        ])),
      el('section', { 'aria-labelledby': 'h-app' }, el('h2', { id: 'h-app', text: 'Application' }),
        dl([
          ['Application id', run.applicationId || 'not submitted (yet)'],
          ['Trigger', run.triggerKey ? run.triggerKey.group + ' / ' + run.triggerKey.name : ''],
        ]),
        links.length ? el('ul', { className: 'links' }, links.map(([k, u]) => el('li', {}, el('span', { text: k + ': ' }), externalLink(u)))) : null),
      el('section', { 'aria-labelledby': 'h-params' }, el('h2', { id: 'h-params', text: 'Parameters' }),
        params.length
          ? params.map((k) => [el('h3', { text: k }), el('pre', { className: 'mono', text: JSON.stringify(run[k], null, 2) })])
          : el('p', { className: 'muted', text: 'The job\'s own (see its settings).' })));
  }

  // ------------------------------------------------------------- router --

  function route() {
    const main = document.getElementById('main');
    const parts = window.location.pathname.replace(/^\/ui\/?/, '').split('/').filter((p) => p !== '');
    let decoded;
    try {
      decoded = parts.map(decodeURIComponent);
    } catch (e) {
      decoded = null;
    }
    if (decoded && decoded.length === 0) return jobsPage(main);
    if (decoded && decoded[0] === 'jobs' && decoded.length === 3) return jobPage(main, { group: decoded[1], name: decoded[2] });
    if (decoded && decoded[0] === 'runs' && decoded.length === 2) return runPage(main, decoded[1]);
    setTitle('Not found');
    append(clear(main), [el('h1', { text: 'No such page' }), el('p', {}, 'See ', el('a', { href: '/ui/', text: 'the jobs' }), '.')]);
    return Promise.resolve();
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('forget-tokens').addEventListener('click', () => {
      sessionStorage.removeItem(TOKENS.status);
      sessionStorage.removeItem(TOKENS.trigger);
      window.location.reload();
    });
    route().catch((e) => document.getElementById('main').appendChild(errorBox(e)));
  });
}());
