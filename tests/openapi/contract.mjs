// The OpenAPI contract check: openapi/openapi.json against a running hookgate.
//
//   node contract.mjs --url http://127.0.0.1:PORT --operator-token TOKEN --routes ROUTES.json
//                     [--spec openapi.json] [--no-lint] [--no-scenario]
//
// 1. Lint: Redocly CLI with tests/openapi/redocly.yaml (recommended rules,
//    every warning an error).
// 2. Routes, both ways: ROUTES.json is the server's registered /v1 route table
//    ([{method, pattern, scope}], written by the C++ test from the App). Every
//    documented operation must be registered and every registered route
//    documented, each with the scope the server enforces. Every documented
//    operation is also probed over HTTP without a key: it must not answer
//    404 ROUTE_NOT_FOUND or 405.
// 3. Responses: a realistic scenario (accounts and keys through the operator
//    plane, endpoints, events, deliveries, retries, a retry job, and the
//    error answers) runs against the server. Every /v1 response must have a
//    status the operation documents, be JSON, and validate against the
//    documented schema; every operation must answer 2xx at least once.
//
// Exits 0 when everything holds; otherwise prints every problem and exits 1.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {
    spec: path.join(here, '..', '..', 'openapi', 'openapi.json'),
    lint: true,
    scenario: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--url') args.url = value().replace(/\/$/, '');
    else if (flag === '--operator-token') args.operatorToken = value();
    else if (flag === '--routes') args.routes = value();
    else if (flag === '--spec') args.spec = value();
    else if (flag === '--no-lint') args.lint = false;
    else if (flag === '--no-scenario') args.scenario = false;
    else throw new Error(`unknown argument ${flag}`);
  }
  for (const needed of ['url', 'routes']) {
    if (!args[needed]) throw new Error(`--${needed} is required`);
  }
  if (args.scenario && !args.operatorToken) throw new Error('--operator-token is required for the scenario');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const problems = [];
const problem = (text) => {
  problems.push(text);
  console.log(`PROBLEM: ${text}`);
};

const specText = readFileSync(args.spec, 'utf8');
const spec = JSON.parse(specText);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// ---------------------------------------------------------------- lint

function lint() {
  const cli = path.join(here, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const result = spawnSync(
    process.execPath,
    [cli, 'lint', args.spec, '--config', path.join(here, 'redocly.yaml'), '--format', 'stylish'],
    {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 120_000,
    },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
    .split('\n')
    .filter((line) => !/[║╔╚]/.test(line)) // Redocly's Node.js support banner
    .join('\n')
    .trim();
  console.log(`--- redocly lint (exit ${result.status})\n${output}\n---`);
  if (result.status !== 0) problem(`redocly lint failed (exit ${result.status}); see its output above`);
}

// ---------------------------------------------------------------- the document's operations

// "/v1/webhook_endpoints/{id}" -> "/v1/webhook_endpoints/{}": parameter names do not matter.
const shape = (pattern) => pattern.replace(/\{[^}/]+\}/g, '{}');
const routeKey = (method, pattern) => `${method.toUpperCase()} ${shape(pattern)}`;

const operations = [];
for (const [pattern, item] of Object.entries(spec.paths ?? {})) {
  for (const method of METHODS) {
    if (!item[method]) continue;
    const op = item[method];
    const security = op.security ?? spec.security ?? [];
    operations.push({
      key: routeKey(method, pattern),
      method: method.toUpperCase(),
      pattern,
      pointer: `#/paths/${pattern.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`,
      op,
      security,
      regex: new RegExp(`^${pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}/]+\\?\}/g, '[^/]+')}$`),
    });
  }
}

function findOperation(method, pathname) {
  return operations.find((o) => o.method === method && o.regex.test(pathname));
}

// Follows a local "$ref" of the OpenAPI document (responses, parameters).
function deref(node) {
  let current = node;
  for (let hops = 0; current && current.$ref && hops < 10; hops++) {
    if (!current.$ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${current.$ref}`);
    current = current.$ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((at, part) => (at === undefined ? undefined : at[part]), spec);
  }
  return current;
}

// ---------------------------------------------------------------- schemas

const BASE = 'https://hookgate.invalid/openapi.json';
// strict: typos in schema keywords are errors. The document's own top-level
// and OpenAPI-only words are declared so Ajv can hold the whole document and
// resolve "#/components/..." references within it.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components', 'webhooks',
  'jsonSchemaDialect', 'externalDocs', 'example', 'discriminator', 'xml']);
ajv.addSchema({ ...spec, $id: BASE });

const validators = new Map();
function responseValidator(operation, status) {
  const id = `${operation.key} ${status}`;
  if (validators.has(id)) return validators.get(id);
  const responses = operation.op.responses ?? {};
  const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
  let entry = null;
  if (documented) {
    const response = deref(documented);
    const media = response?.content?.['application/json'];
    let validate = null;
    if (media?.schema) {
      // Point into the stored document so every reference resolves in place.
      const statusKey = responses[String(status)] ? String(status) : `${String(status)[0]}XX`;
      const pointer = documented.$ref
        ? `${documented.$ref}/content/application~1json/schema`
        : `${operation.pointer}/responses/${statusKey}/content/application~1json/schema`;
      try {
        validate = ajv.compile({ $ref: `${BASE}${pointer}` });
      } catch (error) {
        problem(`${id}: the documented schema does not compile: ${error.message}`);
      }
    }
    entry = { response, validate };
  }
  validators.set(id, entry);
  return entry;
}

// ---------------------------------------------------------------- HTTP

const coverage = new Map(); // operation key -> Set of statuses seen
let requests = 0;

async function send(method, target, { key, body, rawBody, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (rawBody !== undefined) {
    init.body = rawBody;
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(`${args.url}${target}`, init);
  const text = await response.text();
  let json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

// A /v1 request, checked against the document. `expect` is the status (or
// statuses) the scenario means to produce; another one is a problem too.
async function api(method, target, options = {}) {
  requests++;
  const response = await send(method, target, options);
  const pathname = new URL(target, 'http://x').pathname;
  const label = `${method} ${target} -> ${response.status}`;
  const operation = findOperation(method, pathname);
  if (!operation) {
    problem(`${label}: no documented operation matches this request`);
    return response;
  }
  if (!coverage.has(operation.key)) coverage.set(operation.key, new Set());
  coverage.get(operation.key).add(response.status);
  const expected = options.expect === undefined ? undefined : [].concat(options.expect);
  if (expected && !expected.includes(response.status)) {
    problem(`${label}: the scenario expected ${expected.join(' or ')}; body: ${response.text.slice(0, 500)}`);
  }
  const documented = responseValidator(operation, response.status);
  if (!documented) {
    problem(`${label}: status ${response.status} is not documented for ${operation.key}; body: ${response.text.slice(0, 300)}`);
    return response;
  }
  if (documented.response?.content?.['application/json']) {
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json')) problem(`${label}: content-type is "${type}", not application/json`);
    if (response.json === undefined) {
      problem(`${label}: the body is not JSON: ${response.text.slice(0, 300)}`);
    } else if (documented.validate && !documented.validate(response.json)) {
      const errors = documented.validate.errors
        .map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
        .join('; ');
      problem(`${label}: the body does not match the documented schema: ${errors}; body: ${response.text.slice(0, 500)}`);
    }
  }
  return response;
}

// Operator plane (not part of the /v1 document): set-up only.
async function operator(method, target, body) {
  const response = await send(method, target, { key: args.operatorToken, body });
  if (response.status !== 200) {
    throw new Error(`operator ${method} ${target} answered ${response.status}: ${response.text}`);
  }
  return response.json;
}

// ---------------------------------------------------------------- routes, both ways

async function checkRoutes() {
  const table = JSON.parse(readFileSync(args.routes, 'utf8'));
  const registered = new Map(table.map((route) => [routeKey(route.method, route.pattern), route]));
  const documented = new Map(operations.map((o) => [o.key, o]));
  for (const [key] of registered) {
    if (!documented.has(key)) problem(`${key} is registered by the server but not documented in the OpenAPI document`);
  }
  for (const [key, operation] of documented) {
    const route = registered.get(key);
    if (!route) {
      problem(`${key} is documented but the server registers no such route`);
      continue;
    }
    // The scope the document names must be the one the server enforces.
    const required = operation.security.length === 0 ? null : (operation.security[0].apiKey ?? null);
    if (route.public) {
      if (operation.security.length !== 0) problem(`${key} needs no key on the server but the document asks for one`);
    } else if (!required || operation.security.length !== 1) {
      problem(`${key} needs an API key on the server: document security [{"apiKey": [...]}]`);
    } else {
      const want = route.scope ? [route.scope] : [];
      if (JSON.stringify(required) !== JSON.stringify(want)) {
        problem(`${key}: the document names scopes ${JSON.stringify(required)}, the server enforces ${JSON.stringify(want)}`);
      }
      if ((operation.op['x-required-scope'] ?? null) !== (route.scope || null)) {
        problem(`${key}: x-required-scope is ${JSON.stringify(operation.op['x-required-scope'])}, the server enforces ${JSON.stringify(route.scope || null)}`);
      }
    }
  }
  // And over the wire: every documented operation answers something other
  // than "no such route" to a request without a key.
  for (const operation of operations) {
    const target = operation.pattern.replace(/\{[^}/]+\}/g, 'probe0000');
    const response = await api(operation.method, target);
    const code = response.json?.error?.code;
    if (response.status === 405 || code === 'ROUTE_NOT_FOUND' || code === 'METHOD_NOT_ALLOWED') {
      problem(`${operation.key}: the running server answers ${response.status} ${code ?? ''} (no such route)`);
    }
  }
}

// ---------------------------------------------------------------- the scenario

function receiver() {
  return new Promise((resolve) => {
    const server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(204);
        response.end();
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function closedPort() {
  const server = await receiver();
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, condition, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function scenario() {
  const ok = await receiver();
  const okUrl = `http://127.0.0.1:${ok.address().port}`;
  const failUrl = `http://127.0.0.1:${await closedPort()}`;
  try {
    const account = (await operator('POST', '/internal/v1/accounts', { name: 'openapi contract' })).id;
    const keyPath = `/internal/v1/accounts/${account}/api_keys`;
    const sk = (await operator('POST', keyPath, { kind: 'sk', bundle: 'full' })).secret;
    // A dashboard key: reads endpoints and deliveries, but not order payloads.
    const pk = (await operator('POST', keyPath, { kind: 'pk', scopes: ['webhooks.endpoints:read', 'webhooks.deliveries:read'] })).secret;
    const started = new Date(Date.now() - 60_000).toISOString();

    // The document itself, and the catalogue.
    await api('GET', '/v1/openapi.json', { expect: 200 });
    await api('GET', '/v1/openapi.json?format=yaml', { expect: 400 });
    const types = await api('GET', '/v1/event_types', { key: sk, expect: 200 });
    if (!types.json?.data?.some((t) => t.name === 'order.accepted')) problem('the catalogue lacks order.accepted');
    await api('GET', '/v1/event_types', { key: pk, expect: 200 });
    await api('GET', '/v1/event_types?limit=5', { key: sk, expect: 400 });
    await api('GET', '/v1/event_types', { expect: 401 });
    await api('GET', '/v1/event_types', { key: `sk_${'x'.repeat(43)}`, expect: 401 });

    // Endpoints.
    const okEndpoint = (await api('POST', '/v1/webhook_endpoints', {
      key: sk,
      body: { url: `${okUrl}/orders`, enabled_events: ['order.*'], description: 'orders', metadata: { team: 'store' } },
      expect: 200,
    })).json.id;
    const failEndpoint = (await api('POST', '/v1/webhook_endpoints', {
      key: sk, body: { url: `${failUrl}/down`, enabled_events: ['order.accepted'] }, expect: 200,
    })).json.id;
    const idem = { 'Idempotency-Key': 'openapi-contract-1' };
    const idemBody = { url: `${okUrl}/idem`, enabled_events: ['payment_intent.succeeded'] };
    const spare = (await api('POST', '/v1/webhook_endpoints', { key: sk, body: idemBody, headers: idem, expect: 200 })).json.id;
    await api('POST', '/v1/webhook_endpoints', { key: sk, body: idemBody, headers: idem, expect: 200 });
    await api('POST', '/v1/webhook_endpoints', { key: sk, body: { ...idemBody, description: 'other' }, headers: idem, expect: 409 });
    await api('POST', '/v1/webhook_endpoints', { key: sk, body: { enabled_events: ['order.accepted'] }, expect: 400 });
    await api('POST', '/v1/webhook_endpoints', { key: sk, rawBody: '{"url": ', expect: 400 });
    await api('POST', '/v1/webhook_endpoints', { key: sk, body: { url: `${okUrl}/x`, enabled_events: ['order.accepted'], colour: 'red' }, expect: 400 });
    await api('POST', '/v1/webhook_endpoints', { key: sk, body: { url: `${okUrl}/x`, enabled_events: ['no_such.type'] }, expect: 400 });
    await api('POST', '/v1/webhook_endpoints', { key: pk, body: { url: `${okUrl}/x`, enabled_events: ['order.accepted'] }, expect: 403 });

    await api('GET', '/v1/webhook_endpoints', { key: sk, expect: 200 });
    const page = await api('GET', '/v1/webhook_endpoints?limit=1', { key: pk, expect: 200 });
    const first = page.json?.data?.[0]?.id;
    await api('GET', `/v1/webhook_endpoints?limit=1&starting_after=${first}`, { key: sk, expect: 200 });
    await api('GET', `/v1/webhook_endpoints?ending_before=${failEndpoint}`, { key: sk, expect: 200 });
    await api('GET', '/v1/webhook_endpoints?status=enabled&enabled_event=order.accepted', { key: sk, expect: 200 });
    await api('GET', '/v1/webhook_endpoints?limit=0', { key: sk, expect: 400 });
    await api('GET', '/v1/webhook_endpoints?status=paused', { key: sk, expect: 400 });
    await api('GET', `/v1/webhook_endpoints?starting_after=${first}&ending_before=${first}`, { key: sk, expect: 400 });

    await api('GET', `/v1/webhook_endpoints/${okEndpoint}`, { key: pk, expect: 200 });
    await api('GET', '/v1/webhook_endpoints/we_doesnotexist0000', { key: sk, expect: 404 });
    await api('GET', '/v1/webhook_endpoints/not-an-id', { key: sk, expect: 404 });
    await api('PATCH', `/v1/webhook_endpoints/${spare}`, {
      key: sk, body: { description: 'renamed', metadata: { team: 'pay', gone: null } }, expect: 200,
    });
    await api('PATCH', `/v1/webhook_endpoints/${spare}`, { key: sk, body: { disabled: true }, expect: 200 });
    await api('PATCH', `/v1/webhook_endpoints/${spare}`, { key: sk, body: { paused: true }, expect: 400 });
    await api('PATCH', `/v1/webhook_endpoints/${spare}`, { key: pk, body: { description: 'x' }, expect: 403 });
    await api('GET', '/v1/webhook_endpoints?status=disabled', { key: sk, expect: 200 });
    await api('POST', `/v1/webhook_endpoints/${okEndpoint}/secret/roll`, { key: sk, body: { grace_period_seconds: 60 }, expect: 200 });
    await api('POST', `/v1/webhook_endpoints/${okEndpoint}/secret/roll`, { key: sk, expect: 200 });
    await api('POST', `/v1/webhook_endpoints/${okEndpoint}/secret/roll`, { key: sk, body: { grace_period_seconds: -1 }, expect: 400 });
    await api('GET', `/v1/webhook_endpoints/${okEndpoint}/secret`, { key: sk, expect: 200 });
    await api('GET', `/v1/webhook_endpoints/${okEndpoint}/secret`, { key: pk, expect: 403 });
    await api('GET', `/v1/webhook_endpoints/${okEndpoint}/secret?x=1`, { key: sk, expect: 400 });
    await api('DELETE', `/v1/webhook_endpoints/${spare}`, { key: sk, expect: 200 });
    await api('DELETE', `/v1/webhook_endpoints/${spare}`, { key: sk, expect: 404 });
    await api('DELETE', `/v1/webhook_endpoints/${okEndpoint}`, { key: pk, expect: 403 });

    // The per-account endpoint limit (the C++ test sets it low), in an account of its own.
    const other = (await operator('POST', '/internal/v1/accounts', { name: 'openapi contract limit' })).id;
    const otherSk = (await operator('POST', `/internal/v1/accounts/${other}/api_keys`, { kind: 'sk', bundle: 'full' })).secret;
    let limited = false;
    for (let i = 0; i < 20 && !limited; i++) {
      const response = await api('POST', '/v1/webhook_endpoints', {
        key: otherSk, body: { url: `${okUrl}/limit${i}`, enabled_events: ['order.created'] }, expect: [200, 422],
      });
      limited = response.status === 422;
    }
    if (!limited) problem('no 422 LIMIT_EXCEEDED after 20 endpoints; is the limit set low?');

    // Events fan out; the workers deliver (one attempt each: the C++ test
    // sets a one-step retry schedule, so the unreachable endpoint fails).
    for (let i = 0; i < 2; i++) {
      await operator('POST', '/internal/v1/events', { account, type: 'order.accepted', data: { order: `ord_${i}` } });
    }
    await operator('POST', '/internal/v1/events', { account, type: 'order.created', data: { order: 'ord_9' } });
    let deliveries = [];
    await until('every delivery to finish', async () => {
      const list = await send('GET', '/v1/webhook_deliveries?limit=100', { key: sk });
      deliveries = list.json?.data ?? [];
      return deliveries.length === 5 && deliveries.every((d) => d.status !== 'pending');
    });
    const failed = deliveries.filter((d) => d.endpoint === failEndpoint);
    const succeeded = deliveries.filter((d) => d.endpoint === okEndpoint);
    if (failed.length !== 2 || !failed.every((d) => d.status === 'failed')) problem('the unreachable endpoint should have 2 failed deliveries');
    if (succeeded.length !== 3 || !succeeded.every((d) => d.status === 'succeeded')) problem('the receiver should have 3 succeeded deliveries');

    await api('GET', '/v1/webhook_deliveries', { key: sk, expect: 200 });
    await api('GET', '/v1/webhook_deliveries?limit=2', { key: pk, expect: 200 });
    await api('GET', `/v1/webhook_deliveries?limit=1&starting_after=${deliveries[0].id}`, { key: sk, expect: 200 });
    await api('GET', `/v1/webhook_deliveries?ending_before=${deliveries[4].id}`, { key: sk, expect: 200 });
    await api('GET', `/v1/webhook_deliveries?endpoint=${failEndpoint}&status=failed`, { key: sk, expect: 200 });
    await api('GET', `/v1/webhook_deliveries?event_type=order.accepted&created[gte]=${started}&created[lte]=${new Date(Date.now() + 60_000).toISOString()}`, { key: sk, expect: 200 });
    await api('GET', '/v1/webhook_deliveries?created%5Bgte%5D=yesterday', { key: sk, expect: 400 });
    await api('GET', '/v1/webhook_deliveries?status=lost', { key: sk, expect: 400 });
    await api('GET', '/v1/webhook_deliveries?endpoint=whd_wrongkind', { key: sk, expect: 400 });
    await api('GET', '/v1/webhook_deliveries?event_type=no_such.type', { key: sk, expect: 400 });

    for (const delivery of [failed[0], succeeded[0]]) {
      const shown = await api('GET', `/v1/webhook_deliveries/${delivery.id}`, { key: sk, expect: 200 });
      if (!shown.json?.payload) problem(`${delivery.id}: an sk_ key holding store.orders:read should see the payload`);
      const withheld = await api('GET', `/v1/webhook_deliveries/${delivery.id}`, { key: pk, expect: 200 });
      if (!withheld.json?.payload_withheld) problem(`${delivery.id}: a pk_ key without store.orders:read should not see the payload`);
    }
    await api('GET', '/v1/webhook_deliveries/whd_doesnotexist0000', { key: sk, expect: 404 });

    // A manual retry (sk_ only), then a retry job over the failed ones.
    await api('POST', `/v1/webhook_deliveries/${failed[0].id}/retry`, { key: sk, expect: 200 });
    await api('POST', `/v1/webhook_deliveries/${failed[1].id}/retry`, { key: pk, expect: 403 });
    await api('POST', `/v1/webhook_deliveries/${failed[1].id}/retry`, { key: sk, body: { now: true }, expect: 400 });
    await api('POST', '/v1/webhook_deliveries/whd_doesnotexist0000/retry', { key: sk, expect: 404 });
    await until('the retried delivery to fail again', async () => {
      const detail = await send('GET', `/v1/webhook_deliveries/${failed[0].id}`, { key: sk });
      return detail.json?.status === 'failed';
    });
    await api('GET', `/v1/webhook_deliveries/${failed[0].id}`, { key: sk, expect: 200 }); // with its retry
    const job = (await api('POST', `/v1/webhook_endpoints/${failEndpoint}/recover`, {
      key: sk, body: { since: started }, expect: 200,
    })).json;
    await api('GET', `/v1/retry_jobs/${job.id}`, { key: pk, expect: 200 });
    // Straight away: still running (409 RETRY_JOB_RUNNING) or already done (a new job).
    await api('POST', `/v1/webhook_endpoints/${failEndpoint}/recover`, { key: sk, body: { since: started }, expect: [200, 409] });
    await api('POST', `/v1/webhook_endpoints/${failEndpoint}/recover`, { key: sk, body: {}, expect: 400 });
    await api('POST', `/v1/webhook_endpoints/${failEndpoint}/recover`, { key: pk, body: { since: started }, expect: 403 });
    await api('POST', '/v1/webhook_endpoints/we_doesnotexist0000/recover', { key: sk, body: { since: started }, expect: 404 });
    await until('the retry job to complete', async () => {
      const current = await send('GET', `/v1/retry_jobs/${job.id}`, { key: sk });
      return current.json?.status === 'completed';
    });
    await api('GET', `/v1/retry_jobs/${job.id}`, { key: sk, expect: 200 });
    await api('GET', '/v1/retry_jobs/whr_doesnotexist0000', { key: sk, expect: 404 });

    // A disabled endpoint refuses both kinds of retry with 409.
    await until('no attempt in flight', async () => {
      const list = await send('GET', `/v1/webhook_deliveries?endpoint=${failEndpoint}`, { key: sk });
      return (list.json?.data ?? []).every((d) => d.status !== 'pending');
    });
    await api('PATCH', `/v1/webhook_endpoints/${failEndpoint}`, { key: sk, body: { disabled: true }, expect: 200 });
    await api('POST', `/v1/webhook_deliveries/${failed[1].id}/retry`, { key: sk, expect: 409 });
    await api('POST', `/v1/webhook_endpoints/${failEndpoint}/recover`, { key: sk, body: { since: started }, expect: 409 });
  } finally {
    ok.close();
  }
}

// ---------------------------------------------------------------- main

try {
  if (args.lint) lint();
  await checkRoutes();
  if (args.scenario) {
    await scenario();
    for (const operation of operations) {
      const seen = [...(coverage.get(operation.key) ?? [])].sort();
      console.log(`covered: ${operation.key.padEnd(52)} ${seen.join(' ')}`);
      if (!seen.some((status) => status >= 200 && status < 300)) {
        problem(`${operation.key}: the scenario never got a 2xx answer, so its success schema went unchecked`);
      }
    }
  }
} catch (error) {
  problem(`the check stopped early: ${error.stack ?? error}`);
}

console.log(`${requests} /v1 requests checked against ${operations.length} documented operations`);
if (problems.length > 0) {
  console.log(`FAILED: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('OK: the OpenAPI document matches the running server');
