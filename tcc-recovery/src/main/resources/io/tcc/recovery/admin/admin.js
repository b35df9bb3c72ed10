// The operators' admin page: lists, shows, retries and resolves transactions through /tcc/admin/transactions.
// Every value from the server is rendered with textContent, never as HTML. The token lives in this tab's
// sessionStorage only and travels in the Authorization header, never in a URL.
'use strict';

(() => {
  const TOKEN_KEY = 'tcc.operator.token';
  const UNFINISHED = ['TRYING', 'CONFIRMING', 'CANCELLING'];
  const LIMIT = 200; // per state asked for
  const API = 'transactions'; // relative to /tcc/admin/, so a servlet context path needs nothing

  const $ = id => document.getElementById(id);
  let selectedXid = null;
  let maxAttempts = null; // recovery's max-attempts, once the participants' view has loaded
  let listRequest = 0; // only the latest list request may render: an older answer can arrive after a newer one

  /** A refused or failed call: status 0 when the service did not answer at all. */
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      throw new ApiError(0, 'Enter the operator token first (the value of tcc.recovery.operator.token).');
    }
    const headers = {Authorization: 'Bearer ' + token, Accept: 'application/json'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'The service did not answer (' + e.message + '). Check that it is running and reachable,'
        + ' then try again.');
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null; // not JSON: a proxy's or the container's own error page
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' ? data.message : text.slice(0, 300);
      throw new ApiError(response.status, message);
    }
    return data;
  }

  /** What to tell the operator about a failed call; the server's own message is kept verbatim. */
  function describe(error) {
    if (!(error instanceof ApiError)) {
      return 'Unexpected error in the page: ' + error;
    }
    switch (error.status) {
      case 0:
        return error.message;
      case 401:
        return '401 Unauthorized: the token was refused (' + error.message + '). Enter the token configured in'
          + ' tcc.recovery.operator.token.';
      case 400:
        return 'Refused (400 bad input): ' + error.message;
      case 404:
        return 'Not found (404): ' + error.message;
      case 409:
        return 'Refused (409): ' + error.message;
      default:
        return 'The service answered ' + error.status + ': ' + error.message;
    }
  }

  function say(element, text, isError) {
    element.textContent = text;
    element.classList.toggle('error', Boolean(isError));
  }

  // --- time: the API sends ISO-8601 instants (or epoch seconds, depending on the JSON settings)

  function toDate(value) {
    if (value === null || value === undefined) {
      return null;
    }
    const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    return isNaN(date.getTime()) ? null : date;
  }

  function formatTime(value) {
    const date = toDate(value);
    return date ? date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';
  }

  function formatAge(value) {
    const date = toDate(value);
    return date ? formatSeconds(Math.max(0, Math.round((Date.now() - date.getTime()) / 1000))) : '';
  }

  function formatSeconds(seconds) {
    if (seconds < 120) {
      return seconds + ' s';
    }
    if (seconds < 7200) {
      return Math.round(seconds / 60) + ' min';
    }
    if (seconds < 172800) {
      return Math.round(seconds / 3600) + ' h';
    }
    return Math.round(seconds / 86400) + ' d';
  }

  /** Compact, for the list: "5 s ago", "in 9 min"; the exact time is in the cell's tooltip and the detail. */
  function formatRelative(value) {
    const date = toDate(value);
    if (!date) {
      return '';
    }
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    return seconds <= 0 ? formatSeconds(-seconds) + ' ago' : 'in ' + formatSeconds(seconds);
  }

  function isPast(value) {
    const date = toDate(value);
    return date !== null && date.getTime() < Date.now();
  }

  // --- building rows with text only

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function clear(element) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
  }

  // --- the token

  function showTokenState() {
    const saved = sessionStorage.getItem(TOKEN_KEY) !== null;
    $('token-state').textContent = saved ? 'A token is set for this tab.' : 'No token set.';
  }

  $('token-form').addEventListener('submit', event => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      say($('status'), 'Type the operator token first.', true);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    showTokenState();
    loadList();
  });

  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
    clear($('transactions').tBodies[0]);
    $('detail').hidden = true;
    selectedXid = null;
    say($('status'), 'Token forgotten. Enter the operator token to see transactions.', false);
  });

  // --- the list

  function olderThanSeconds() {
    const age = Number($('age').value || '0');
    if (!Number.isFinite(age) || age < 0) {
      throw new ApiError(0, 'The age must be zero or a positive number.');
    }
    return Math.floor(age * Number($('age-unit').value));
  }

  async function loadList() {
    const status = $('status');
    const request = ++listRequest;
    say(status, 'Loading...', false);
    try {
      const choice = $('state').value;
      const states = choice === 'UNFINISHED' ? UNFINISHED : choice === 'ANY' ? [''] : [choice];
      const seconds = olderThanSeconds();
      // one call per state: "stuck" is any unfinished state, and finished rows must not use up the limit
      const lists = await Promise.all(states.map(state => {
        const query = new URLSearchParams({
          state, flagged: String($('flagged').checked), olderThanSeconds: String(seconds), limit: String(LIMIT),
        });
        return api('GET', API + '?' + query);
      }));
      if (request !== listRequest) {
        return;
      }
      loadParticipants();
      const transactions = lists.flat().sort((a, b) => (toDate(a.createdAt) || 0) - (toDate(b.createdAt) || 0));
      renderList(transactions);
      const truncated = lists.some(list => list.length === LIMIT);
      say(status, (transactions.length === 0 ? 'No transaction matches.'
        : transactions.length + ' transaction' + (transactions.length === 1 ? '' : 's') + ', oldest first'
        + (truncated ? ' (only the oldest ' + LIMIT + ' per state are shown)' : '') + '.')
        + ' Loaded ' + formatTime(new Date().toISOString()) + '.', false);
    } catch (error) {
      if (request === listRequest) {
        clear($('transactions').tBodies[0]);
        say(status, describe(error), true);
      }
    }
  }

  function renderList(transactions) {
    const body = $('transactions').tBodies[0];
    clear(body);
    for (const tx of transactions) {
      const row = document.createElement('tr');
      row.dataset.xid = tx.xid;
      row.tabIndex = 0;
      row.title = 'Show ' + tx.xid;
      if (tx.needsOperator) {
        row.classList.add('flagged');
      }
      if (tx.xid === selectedXid) {
        row.classList.add('selected');
      }
      cell(row, tx.xid, 'xid');
      cell(row, tx.state, 'state state-' + tx.state);
      cell(row, tx.needsOperator ? 'FLAGGED' : '');
      cell(row, tx.name, 'name');
      cell(row, tx.attempts, 'number');
      cell(row, formatAge(tx.createdAt), 'number');
      const overdue = tx.state === 'TRYING' && isPast(tx.deadline);
      cell(row, (overdue ? 'passed ' : '') + formatRelative(tx.deadline), 'time').title = formatTime(tx.deadline);
      cell(row, tx.nextAttempt ? (isPast(tx.nextAttempt) ? 'due now' : formatRelative(tx.nextAttempt)) : '', 'time')
        .title = formatTime(tx.nextAttempt);
      cell(row, tx.operatorReason, 'reason');
      row.addEventListener('click', () => showTransaction(tx.xid));
      row.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          showTransaction(tx.xid);
        }
      });
      body.appendChild(row);
    }
  }

  $('filters').addEventListener('submit', event => {
    event.preventDefault();
    loadList();
  });

  // --- the participants' guards, and what an attempt is

  async function loadParticipants() {
    try {
      renderParticipants(await api('GET', 'participants'));
    } catch (error) {
      clear($('participants').tBodies[0]);
      $('attempt-settings').textContent = describe(error);
    }
  }

  function renderParticipants(view) {
    const recovery = view.recovery || {};
    maxAttempts = recovery.maxAttempts === undefined ? null : recovery.maxAttempts;
    $('attempt-settings').textContent = recovery.maxAttempts === undefined
      ? 'Recovery does not run in this service.'
      : 'A transaction is flagged for an operator after ' + recovery.maxAttempts + ' attempts, '
        + formatSeconds(recovery.initialBackoffMillis / 1000) + ' apart at first, doubling up to '
        + formatSeconds(recovery.maxBackoffMillis / 1000) + '.';
    // an open breaker explains why transactions wait: say so above the list, not only in the table below it
    const open = (view.participants || []).filter(p => p.circuitBreaker === 'OPEN' || p.circuitBreaker === 'FORCED_OPEN')
      .map(p => p.participant);
    $('open-breakers').hidden = open.length === 0;
    $('open-breakers').textContent = open.length === 0 ? '' : 'Circuit breaker OPEN for ' + open.join(', ')
      + ': calls to ' + (open.length === 1 ? 'it' : 'them') + ' are refused without being sent, so transactions that'
      + ' need ' + (open.length === 1 ? 'it' : 'them') + ' wait until it lets probe calls through (HALF_OPEN).';
    const body = $('participants').tBodies[0];
    clear(body);
    for (const p of view.participants || []) {
      const row = document.createElement('tr');
      if (p.circuitBreaker !== 'CLOSED') {
        row.classList.add('flagged');
      }
      cell(row, p.participant, 'name');
      cell(row, p.circuitBreaker, 'state breaker-' + p.circuitBreaker);
      cell(row, p.failureRate < 0 ? 'not judged yet' : p.failureRate.toFixed(1) + ' %', 'number');
      cell(row, p.callsInFlight + ' of ' + p.maxConcurrentCalls, 'number');
      cell(row, Object.entries(p.calls || {}).map(([key, count]) => key + ': ' + count).join(', '));
      body.appendChild(row);
    }
  }

  // --- one transaction

  async function showTransaction(xid) {
    selectedXid = xid;
    for (const row of $('transactions').tBodies[0].rows) {
      row.classList.toggle('selected', row.dataset.xid === xid);
    }
    const detail = $('detail');
    detail.hidden = false;
    $('detail-xid').textContent = xid;
    say($('action-result'), '', false);
    try {
      renderDetail(await api('GET', API + '/' + encodeURIComponent(xid)));
    } catch (error) {
      clear($('detail-summary'));
      clear($('branches').tBodies[0]);
      say($('action-result'), describe(error), true);
    }
  }

  function renderDetail(view) {
    const tx = view.transaction;
    const summary = $('detail-summary');
    clear(summary);
    const facts = [
      ['state', tx.state],
      ['name', tx.name],
      ['flagged for an operator', tx.needsOperator ? 'yes' : 'no'],
      ['attempts', tx.attempts + (maxAttempts === null ? '' : ' of ' + maxAttempts + ' before it is flagged')
        + ' (passes of phase two that did not finish it)'],
      ['created', formatTime(tx.createdAt) + ' (' + formatAge(tx.createdAt) + ' ago)'],
      ['deadline', formatTime(tx.deadline)],
      ['next attempt', tx.nextAttempt ? formatTime(tx.nextAttempt) : 'none (finished, or waiting for an operator)'],
      ['last changed', formatTime(tx.updatedAt)],
      ['operator reason', tx.operatorReason || ''],
    ];
    for (const [term, value] of facts) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value === null || value === undefined ? '' : String(value);
      summary.append(dt, dd);
    }
    const body = $('branches').tBodies[0];
    clear(body);
    for (const branch of view.branches) {
      const row = document.createElement('tr');
      cell(row, branch.branchId);
      cell(row, branch.participant);
      cell(row, branch.action);
      cell(row, branch.endpoint);
      cell(row, branch.state, 'state state-' + branch.state);
      cell(row, branch.lastOutcome, 'reason');
      cell(row, formatTime(branch.updatedAt));
      body.appendChild(row);
    }
    if (view.branches.length === 0) {
      const row = document.createElement('tr');
      cell(row, 'no branch rows').colSpan = 7;
      body.appendChild(row);
    }
  }

  // --- actions

  async function act(button, path, body, done) {
    const result = $('action-result');
    const xid = selectedXid;
    button.disabled = true;
    say(result, 'Working...', false);
    try {
      const answer = await api('POST', API + '/' + encodeURIComponent(xid) + '/' + path, body);
      done(xid, answer);
      await Promise.all([refreshDetail(xid), loadList()]);
    } catch (error) {
      say(result, describe(error), true);
    } finally {
      button.disabled = false;
      updateResolveButton();
    }
  }

  async function refreshDetail(xid) {
    try {
      renderDetail(await api('GET', API + '/' + encodeURIComponent(xid)));
    } catch (error) {
      say($('action-result'), describe(error), true);
    }
  }

  $('retry').addEventListener('click', () => act($('retry'), 'retry', undefined, (xid, answer) =>
    say($('action-result'), 'Retried: ' + xid + ' is now ' + answer.state + '.', false)));

  function chosenResolution() {
    const checked = document.querySelector('input[name="resolution"]:checked');
    return checked ? checked.value : null;
  }

  /** Resolving needs a resolution and a reason: the reason stays on the row for whoever looks next. */
  function updateResolveButton() {
    $('resolve').disabled = !chosenResolution() || $('reason').value.trim() === '';
  }

  $('reason').addEventListener('input', updateResolveButton);
  for (const radio of document.querySelectorAll('input[name="resolution"]')) {
    radio.addEventListener('change', updateResolveButton);
  }

  $('resolve-form').addEventListener('submit', event => {
    event.preventDefault();
    const resolution = chosenResolution();
    const reason = $('reason').value.trim();
    if (!resolution || !reason) {
      updateResolveButton();
      return;
    }
    act($('resolve'), 'resolve', {resolution, reason}, (xid, answer) => {
      say($('action-result'), 'Resolved ' + xid + ' as ' + resolution + ': it is now ' + answer.state + '.', false);
      $('reason').value = '';
    });
  });

  showTokenState();
  if (sessionStorage.getItem(TOKEN_KEY)) {
    loadList();
  }
})();
