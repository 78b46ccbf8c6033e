// The deliveries dashboard. It calls only the public /v1 API of the server it
// was loaded from, with the key the person pasted. The key lives in one
// variable of this module: never in storage, cookies or the URL.
'use strict';

(() => {
  let apiKey = null;
  let filters = {};
  let lastDelivery = null;  // id of the last row, for "Older deliveries"
  let openDelivery = null;  // id shown in the detail panel

  const $ = (id) => document.getElementById(id);

  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || `The server answered ${status}.`);
      this.status = status;
      this.code = error.code || null;
      this.requiredScopes = Array.isArray(error.required_scopes) ? error.required_scopes : [];
      this.requestId = error.request_id || null;
    }
  }

  async function api(method, path, query) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(query || {})) {
      if (value) url.searchParams.set(name, value);
    }
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // Builds an element; children are nodes or strings (always text).
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function when(text) {
    if (!text) return '—';
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date.toLocaleString();
  }

  // Shows an API error in a panel's error box, naming the scopes it lacks.
  function showError(panel, error) {
    const box = panel.querySelector('.panel-error');
    box.replaceChildren();
    if (!error) {
      box.hidden = true;
      return;
    }
    const scopeError = error.code === 'SCOPE_REQUIRED';
    box.className = scopeError ? 'panel-error scope' : 'panel-error';
    box.append(el('strong', null, scopeError ? 'This key may not see this. ' : 'Error. '));
    box.append(el('span', { class: 'message' }, error.message));
    if (error.requiredScopes && error.requiredScopes.length) {
      box.append(el('span', { class: 'scopes' }, ' Required scopes: ',
        ...error.requiredScopes.flatMap((scope, i) => [i ? ', ' : '', el('code', null, scope)])));
    }
    if (error.code) box.append(el('span', { class: 'code' }, ` (${error.code})`));
    box.hidden = false;
  }

  function statusBadge(status) {
    return el('span', { class: `badge ${status}` }, status);
  }

  async function loadEndpoints() {
    const panel = $('endpoints-panel');
    const list = $('endpoints');
    panel.dataset.state = 'loading';
    list.replaceChildren();
    $('endpoint-options').replaceChildren();
    try {
      const page = await api('GET', '/v1/webhook_endpoints', { limit: '100' });
      showError(panel, null);
      if (!page.data.length) list.append(el('li', { class: 'empty' }, 'No endpoints.'));
      for (const endpoint of page.data) {
        $('endpoint-options').append(el('option', { value: endpoint.id }, endpoint.url));
        const subscriptions = el('ul', { class: 'subscriptions' });
        for (const sub of endpoint.subscriptions || []) {
          const item = el('li', { class: sub.authorized ? 'authorized' : 'unauthorized' },
            el('code', null, sub.event), ' ',
            sub.authorized ? 'authorized' : `not authorized (${sub.unauthorized_reason || 'unknown'})`);
          if (!sub.authorized && sub.missing_scopes && sub.missing_scopes.length) {
            item.append(' — missing ', ...sub.missing_scopes.flatMap((s, i) => [i ? ', ' : '', el('code', null, s)]));
          }
          subscriptions.append(item);
        }
        list.append(el('li', { class: 'endpoint', 'data-id': endpoint.id },
          el('div', { class: 'endpoint-head' },
            statusBadge(endpoint.status), ' ', el('span', { class: 'url' }, endpoint.url), ' ',
            el('code', { class: 'id' }, endpoint.id)),
          endpoint.disabled_reason ? el('div', { class: 'note' }, `disabled: ${endpoint.disabled_reason}`) : null,
          endpoint.description ? el('div', { class: 'note' }, endpoint.description) : null,
          subscriptions));
      }
    } catch (error) {
      showError(panel, error);
    }
    panel.dataset.state = 'ready';
  }

  async function loadEventTypes() {
    const select = $('filter-event-type');
    select.replaceChildren(el('option', { value: '' }, 'any'));
    try {
      const page = await api('GET', '/v1/event_types');
      for (const type of page.data) select.append(el('option', { value: type.name }, type.name));
    } catch {
      // The filter then offers only "any"; the deliveries panel reports key errors.
    }
  }

  async function loadDeliveries(append) {
    const panel = $('deliveries-panel');
    const body = $('deliveries').querySelector('tbody');
    if (!append) {
      body.replaceChildren();
      lastDelivery = null;
    }
    panel.dataset.state = 'loading';
    $('more').hidden = true;
    $('deliveries-empty').hidden = true;
    try {
      const query = { ...filters, limit: '25' };
      if (append && lastDelivery) query.starting_after = lastDelivery;
      const page = await api('GET', '/v1/webhook_deliveries', query);
      showError(panel, null);
      for (const delivery of page.data) {
        const row = el('tr', { class: 'delivery', 'data-id': delivery.id, 'data-status': delivery.status, tabindex: '0' },
          el('td', null, el('code', null, delivery.id)),
          el('td', null, delivery.event_type),
          el('td', null, el('code', null, delivery.endpoint)),
          el('td', null, statusBadge(delivery.status)),
          el('td', null, String(delivery.attempt_count)),
          el('td', null, when(delivery.created)));
        row.addEventListener('click', () => openDetail(delivery.id));
        row.addEventListener('keydown', (event) => {
          if (event.key === 'Enter') openDetail(delivery.id);
        });
        body.append(row);
        lastDelivery = delivery.id;
      }
      $('deliveries-empty').hidden = body.children.length > 0;
      $('more').hidden = !page.has_more;
    } catch (error) {
      showError(panel, error);
    }
    panel.dataset.state = 'ready';
  }

  async function openDetail(id, keepRetryResult) {
    openDelivery = id;
    const panel = $('detail-panel');
    panel.hidden = false;
    panel.dataset.state = 'loading';
    $('detail-id').textContent = id;
    if (!keepRetryResult) {
      $('retry-result').textContent = '';
      $('retry-result').className = '';
    }
    try {
      const delivery = await api('GET', `/v1/webhook_deliveries/${encodeURIComponent(id)}`);
      if (openDelivery !== id) return;
      showError(panel, null);
      $('detail-body').hidden = false;
      renderDetail(delivery);
    } catch (error) {
      if (openDelivery !== id) return;
      $('detail-body').hidden = true;
      showError(panel, error);
    }
    panel.dataset.state = 'ready';
    panel.scrollIntoView({ block: 'nearest' });
  }

  function renderDetail(delivery) {
    $('detail-summary').replaceChildren(
      statusBadge(delivery.status), ' ', el('code', null, delivery.event_type),
      ` to ${delivery.endpoint}, event ${delivery.event}, ${delivery.attempt_count} attempt(s)`,
      delivery.next_attempt_at ? `, next attempt ${when(delivery.next_attempt_at)}` : '');
    // Retrying needs an sk_ key; one lacking the scope hears so from the API.
    $('retry').hidden = !apiKey.startsWith('sk_');

    const attempts = $('attempts').querySelector('tbody');
    attempts.replaceChildren();
    for (const attempt of delivery.attempts || []) {
      attempts.append(el('tr', { class: `attempt ${attempt.outcome}` },
        el('td', null, String(attempt.attempt_number)),
        el('td', null, statusBadge(attempt.outcome)),
        el('td', null, attempt.status_code === null ? '—' : String(attempt.status_code)),
        el('td', null, when(attempt.started_at)),
        el('td', null, attempt.duration_ms === null ? '—' : `${Math.round(attempt.duration_ms)} ms`),
        el('td', null, attempt.error || ''),
        el('td', null, el('code', { class: 'snippet' }, attempt.response_snippet || ''))));
    }
    $('attempts-empty').hidden = attempts.children.length > 0;

    const retries = $('retries');
    retries.replaceChildren();
    for (const retry of delivery.retries || []) {
      retries.append(el('li', null, `${when(retry.requested_at)} by `, el('code', null, retry.requested_by),
        retry.retry_job ? ` (retry job ${retry.retry_job})` : ''));
    }
    if (!retries.children.length) retries.append(el('li', { class: 'empty' }, 'None.'));

    const withheld = $('payload-withheld');
    if (delivery.payload === null || delivery.payload === undefined) {
      const reason = delivery.payload_withheld || {};
      withheld.textContent = reason.message || 'The payload is withheld from this key.';
      withheld.hidden = false;
      $('payload').textContent = '';
      $('payload').hidden = true;
    } else {
      withheld.hidden = true;
      $('payload').hidden = false;
      $('payload').textContent = JSON.stringify(delivery.payload, null, 2);
    }
  }

  async function retry() {
    const id = openDelivery;
    const result = $('retry-result');
    $('retry').disabled = true;
    result.className = '';
    result.textContent = 'Retrying…';
    try {
      const delivery = await api('POST', `/v1/webhook_deliveries/${encodeURIComponent(id)}/retry`);
      result.className = 'ok';
      result.textContent = `Retry scheduled: the delivery is ${delivery.status}.`;
      await Promise.all([openDetail(id, true), loadDeliveries(false)]);
    } catch (error) {
      result.className = 'failed';
      result.textContent = error.code === 'SCOPE_REQUIRED'
        ? `${error.message} Required scopes: ${error.requiredScopes.join(', ')}`
        : `${error.message}${error.code ? ` (${error.code})` : ''}`;
    } finally {
      $('retry').disabled = false;
    }
  }

  function forget() {
    apiKey = null;
    $('key').value = '';
    $('main').hidden = true;
    $('forget').hidden = true;
    $('key-status').textContent = '';
    $('detail-panel').hidden = true;
  }

  async function start(event) {
    event.preventDefault();
    const key = $('key').value.trim();
    $('key').value = '';
    if (!/^(pk|sk)_/.test(key)) {
      $('key-status').textContent = 'Paste a key that starts with pk_ or sk_.';
      return;
    }
    apiKey = key;
    filters = {};
    $('filters').reset();
    $('detail-panel').hidden = true;
    $('main').hidden = false;
    $('forget').hidden = false;
    $('key-status').textContent = `Using the key ${key.slice(0, 7)}…`;
    await Promise.all([loadEndpoints(), loadEventTypes(), loadDeliveries(false)]);
  }

  function applyFilters(event) {
    event.preventDefault();
    filters = {
      endpoint: $('filter-endpoint').value.trim(),
      status: $('filter-status').value,
      event_type: $('filter-event-type').value,
    };
    loadDeliveries(false);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', start);
    $('forget').addEventListener('click', forget);
    $('filters').addEventListener('submit', applyFilters);
    $('more').addEventListener('click', () => loadDeliveries(true));
    $('retry').addEventListener('click', retry);
  });
})();
