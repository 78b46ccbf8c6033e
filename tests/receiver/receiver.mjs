#!/usr/bin/env node
// An independent webhook receiver for hookgate's tests and benchmarks.
//
// Deliveries are checked with the official Standard Webhooks library
// (`standardwebhooks` on npm), never with hookgate's own code, so a test that
// passes proves that a real consumer would accept what hookgate sends.
//
//   node receiver.mjs --port 0 --port-file <path> [--host <address>] [--quiet] [--count-only]
//                     [--fail-rate <0..1>] [--log <path>]
//
// Listens on --host (default 127.0.0.1; the Docker sample binds 0.0.0.0);
// once listening it writes the port to --port-file when given (atomically:
// a temporary file, then rename). Dependencies:
// `bash scripts/receiver-deps.sh`.
//
// Webhooks: any POST whose path does not start with "/_". Per path the
// receiver keeps its secrets, a scripted behaviour and what it received. A
// request is verified when `new Webhook(secret).verify(body, headers)` accepts
// it for any configured secret (the library's default timestamp tolerance
// applies). --count-only skips verification and storing, keeping only counts
// and the first-seen time of each webhook-id (for latency benchmarks).
// --fail-rate answers that fraction of webhooks, chosen at random, with 500
// instead of the path's behaviour; --log appends "<webhook-id> <status>" per
// webhook to a file, written before the answer is sent, so that a test can
// match what arrived against hookgate's records (bench/soak.sh).
//
// Control API (JSON; <p> is the webhook path without its leading slash):
//   PUT  /_paths/<p>/secrets    {"secrets": ["whsec_..."]}
//   PUT  /_paths/<p>/behaviour  {"queue": [response...], "default": response}
//   GET  /_paths/<p>/behaviour  what is still queued, and the default
//   GET  /_paths/<p>/received   {"received": [record...]}
//   GET  /_received             every record, in arrival order
//   DELETE /_received           forgets records, counts and first-seen ids
//   GET  /_stats                {"total", "by_path", "unverified", "distinct_ids", "count_only"}
//   GET  /_first_seen           {"first_seen": {"<webhook-id>": ms}}
// A response is {"status": 200..599, "headers"?: {}, "body"?: string|json,
// "delay_ms"?: n, "drop"?: true (close the connection without answering)};
// the queue is consumed one entry per request, then the default applies
// (built in: 200 "ok"). Bad control input is answered 400 {"error": "..."}.

import fs from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const CONTROL_BODY_LIMIT = 1024 * 1024;
const WEBHOOK_BODY_LIMIT = 16 * 1024 * 1024;
const MAX_DELAY_MS = 60 * 60 * 1000;
// Longer than any sender's idle pool timeout we test with, so a pooled
// connection is not closed under a request that is just being sent.
const KEEP_ALIVE_TIMEOUT_MS = 65 * 1000;
const BUILT_IN_DEFAULT = Object.freeze({ status: 200, headers: {}, body: "ok", delay_ms: 0, drop: false });
const RANDOM_FAILURE = Object.freeze({ status: 500, headers: {}, body: "random failure", delay_ms: 0, drop: false });

// A client mistake in a control request: answered with 400 and a message.
class BadRequest extends Error {}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "port-file": { type: "string" },
      quiet: { type: "boolean", default: false },
      "count-only": { type: "boolean", default: false },
      "fail-rate": { type: "string", default: "0" },
      log: { type: "string" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, not ${values.port}`);
  const failRate = Number(values["fail-rate"]);
  if (!(failRate >= 0 && failRate <= 1)) throw new Error(`--fail-rate must be 0..1, not ${values["fail-rate"]}`);
  // Synchronous appends: a line is on disk before its answer is sent, and
  // none is lost when the receiver is stopped.
  const logFd = values.log === undefined ? null : fs.openSync(values.log, "a");
  return {
    port,
    host: values.host,
    portFile: values["port-file"],
    quiet: values.quiet,
    countOnly: values["count-only"],
    failRate,
    logFd,
  };
}

// ---- state ----------------------------------------------------------------

class PathState {
  secrets = [];
  verifiers = [];
  queue = [];
  fallback = BUILT_IN_DEFAULT;
  received = [];
  count = 0;
}

const paths = new Map();
let allReceived = [];
let total = 0;
let unverified = 0;
const firstSeen = new Map(); // webhook-id -> ms of its first arrival

function stateFor(path) {
  let state = paths.get(path);
  if (!state) {
    state = new PathState();
    paths.set(path, state);
  }
  return state;
}

function clearReceived() {
  for (const state of paths.values()) {
    state.received = [];
    state.count = 0;
  }
  allReceived = [];
  total = 0;
  unverified = 0;
  firstSeen.clear();
}

// ---- validation of control input -----------------------------------------

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(object, allowed, what) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new BadRequest(`${what}: unknown field "${key}" (allowed: ${allowed.join(", ")})`);
  }
}

function parseResponseSpec(spec, what) {
  if (!isPlainObject(spec)) throw new BadRequest(`${what} must be an object`);
  rejectUnknownKeys(spec, ["status", "headers", "body", "delay_ms", "drop"], what);
  const drop = spec.drop ?? false;
  if (typeof drop !== "boolean") throw new BadRequest(`${what}.drop must be a boolean`);
  const status = spec.status ?? (drop ? 0 : undefined);
  if (!drop && (!Number.isInteger(status) || status < 200 || status > 599)) {
    throw new BadRequest(`${what}.status must be an integer 200..599`);
  }
  const headers = {};
  if (spec.headers !== undefined) {
    if (!isPlainObject(spec.headers)) throw new BadRequest(`${what}.headers must be an object`);
    for (const [name, value] of Object.entries(spec.headers)) {
      if (typeof value !== "string" && typeof value !== "number") {
        throw new BadRequest(`${what}.headers["${name}"] must be a string or number`);
      }
      try {
        http.validateHeaderName(name);
        http.validateHeaderValue(name, String(value));
      } catch (error) {
        throw new BadRequest(`${what}.headers: ${error.message}`);
      }
      headers[name.toLowerCase()] = String(value);
    }
  }
  let body = spec.body ?? "";
  if (typeof body !== "string") {
    body = JSON.stringify(body);
    headers["content-type"] ??= "application/json";
  }
  const delayMs = spec.delay_ms ?? 0;
  if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new BadRequest(`${what}.delay_ms must be a number 0..${MAX_DELAY_MS}`);
  }
  return Object.freeze({ status: drop ? 0 : status, headers, body, delay_ms: delayMs, drop });
}

// Returns the PathState fields it sets: {secrets, verifiers}.
function parseSecrets(input) {
  if (!isPlainObject(input)) throw new BadRequest("body must be a JSON object");
  rejectUnknownKeys(input, ["secrets"], "body");
  if (!Array.isArray(input.secrets)) throw new BadRequest('"secrets" must be an array of strings');
  const verifiers = input.secrets.map((secret, index) => {
    if (typeof secret !== "string") throw new BadRequest(`secrets[${index}] must be a string`);
    try {
      return new Webhook(secret);
    } catch (error) {
      throw new BadRequest(`secrets[${index}] is not a usable secret: ${error.message}`);
    }
  });
  return { secrets: [...input.secrets], verifiers };
}

// Returns the PathState fields it sets: {queue, fallback}.
function parseBehaviour(input) {
  if (!isPlainObject(input)) throw new BadRequest("body must be a JSON object");
  rejectUnknownKeys(input, ["queue", "default"], "body");
  const queueInput = input.queue ?? [];
  if (!Array.isArray(queueInput)) throw new BadRequest('"queue" must be an array');
  const queue = queueInput.map((spec, index) => parseResponseSpec(spec, `queue[${index}]`));
  const fallback = input.default === undefined || input.default === null ? BUILT_IN_DEFAULT : parseResponseSpec(input.default, "default");
  return { queue, fallback };
}

// ---- HTTP plumbing ---------------------------------------------------------

function sendJson(res, status, value, extraHeaders = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

// Resolves to the whole body (a Buffer), or to null when it was too large
// (already answered with 413) or the client went away.
function readBody(req, res, limit, keep) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let settled = false;
    const settle = (value) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    req.on("data", (chunk) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        sendJson(res, 413, { error: `body larger than ${limit} bytes` }, { connection: "close" });
        req.resume();
        settle(null);
        return;
      }
      if (keep) chunks.push(chunk);
    });
    req.on("end", () => settle(keep ? Buffer.concat(chunks) : Buffer.alloc(0)));
    req.on("error", () => settle(null));
    req.on("close", () => settle(null));
  });
}

async function readJson(req, res) {
  const body = await readBody(req, res, CONTROL_BODY_LIMIT, true);
  if (body === null) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new BadRequest(`body is not valid JSON: ${error.message}`);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function headerValue(req, name) {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

// ---- webhooks ----------------------------------------------------------------

function verify(state, body, headers) {
  if (state.verifiers.length === 0) return { verified: false, error: "no secrets configured for this path" };
  const errors = [];
  for (const verifier of state.verifiers) {
    try {
      verifier.verify(body, headers);
      return { verified: true, error: null };
    } catch (error) {
      // The library parses the payload as JSON after a signature matched, so a
      // SyntaxError here means "signed correctly, but not JSON".
      const message = `${error.name}: ${error.message}`;
      if (!errors.includes(message)) errors.push(message);
    }
  }
  return { verified: false, error: errors.join("; ") };
}

async function respond(req, res, response) {
  if (response.delay_ms > 0) await sleep(response.delay_ms);
  if (res.destroyed || res.writableEnded) return;
  if (response.drop) {
    req.socket.destroy();
    return;
  }
  const headers = { "content-type": "text/plain", ...response.headers };
  headers["content-length"] = Buffer.byteLength(response.body);
  res.writeHead(response.status, headers);
  res.end(response.body);
}

async function receiveWebhook(req, res, path, options) {
  const body = await readBody(req, res, WEBHOOK_BODY_LIMIT, !options.countOnly);
  if (body === null) return;
  const receivedAt = Date.now();
  const state = stateFor(path);
  const scripted = state.queue.length > 0 ? state.queue.shift() : state.fallback;
  const response = Math.random() < options.failRate ? RANDOM_FAILURE : scripted;
  const webhookId = headerValue(req, "webhook-id");
  if (options.logFd !== null) fs.writeSync(options.logFd, `${webhookId} ${response.drop ? "dropped" : response.status}\n`);
  state.count += 1;
  total += 1;
  if (webhookId !== null && !firstSeen.has(webhookId)) firstSeen.set(webhookId, receivedAt);

  if (!options.countOnly) {
    const outcome = verify(state, body, req.headers);
    if (!outcome.verified) unverified += 1;
    const record = {
      path,
      webhook_id: webhookId,
      webhook_timestamp: headerValue(req, "webhook-timestamp"),
      signature_header: headerValue(req, "webhook-signature"),
      verified: outcome.verified,
      verify_error: outcome.error,
      body: body.toString("utf8"),
      received_at_ms: receivedAt,
      status_returned: response.status,
      headers: { ...req.headers },
    };
    state.received.push(record);
    allReceived.push(record);
    if (!options.quiet) {
      console.log(`${new Date(receivedAt).toISOString()} POST ${path} id=${webhookId} verified=${outcome.verified} -> ${response.drop ? "dropped" : response.status}`);
    }
  }
  await respond(req, res, response);
}

// ---- control API -----------------------------------------------------------

const PATH_ROUTE = /^\/_paths\/(.+)\/(secrets|behaviour|behavior|received)$/;

function methodNotAllowed(res, allowed) {
  sendJson(res, 405, { error: `method not allowed; use ${allowed.join(" or ")}` }, { allow: allowed.join(", ") });
}

function stats(options) {
  const byPath = {};
  for (const [path, state] of paths) {
    if (state.count > 0) byPath[path] = state.count;
  }
  return { total, by_path: byPath, unverified, distinct_ids: firstSeen.size, count_only: options.countOnly };
}

function behaviourView(state) {
  return { queue: state.queue, default: state.fallback };
}

async function control(req, res, path, options) {
  const route = PATH_ROUTE.exec(path);
  if (route) {
    const [, rest, action] = route;
    if (rest.startsWith("_")) throw new BadRequest(`webhook paths may not start with "/_": /${rest}`);
    const webhookPath = `/${rest}`;
    if (action === "secrets") {
      if (req.method !== "PUT") return methodNotAllowed(res, ["PUT"]);
      const input = await readJson(req, res);
      if (input === undefined) return;
      const state = Object.assign(stateFor(webhookPath), parseSecrets(input));
      return sendJson(res, 200, { path: webhookPath, secret_count: state.secrets.length });
    }
    if (action === "received") {
      if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
      return sendJson(res, 200, { received: paths.get(webhookPath)?.received ?? [] });
    }
    // behaviour
    if (req.method === "GET") return sendJson(res, 200, behaviourView(stateFor(webhookPath)));
    if (req.method !== "PUT") return methodNotAllowed(res, ["GET", "PUT"]);
    const input = await readJson(req, res);
    if (input === undefined) return;
    const state = Object.assign(stateFor(webhookPath), parseBehaviour(input));
    return sendJson(res, 200, { path: webhookPath, ...behaviourView(state) });
  }
  if (path === "/_received") {
    if (req.method === "GET") return sendJson(res, 200, { received: allReceived });
    if (req.method === "DELETE") {
      clearReceived();
      return sendJson(res, 200, { cleared: true });
    }
    return methodNotAllowed(res, ["GET", "DELETE"]);
  }
  if (path === "/_stats") {
    if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
    return sendJson(res, 200, stats(options));
  }
  if (path === "/_first_seen") {
    if (req.method !== "GET") return methodNotAllowed(res, ["GET"]);
    return sendJson(res, 200, { first_seen: Object.fromEntries(firstSeen) });
  }
  return sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
}

// ---- server ------------------------------------------------------------------

async function handle(req, res, options) {
  // The raw path, not percent-decoded, so a control route names exactly the
  // path a sender used.
  const path = (req.url ?? "/").split("?")[0];
  if (path.startsWith("/_")) return control(req, res, path, options);
  if (req.method !== "POST") return sendJson(res, 405, { error: "webhooks are POSTed" }, { allow: "POST" });
  return receiveWebhook(req, res, path, options);
}

function answerFailure(req, res, error) {
  if (!(error instanceof BadRequest)) console.error("receiver: request failed:", error);
  if (res.headersSent || res.destroyed) {
    req.socket?.destroy();
    return;
  }
  // The request body may not have been read to its end: drain it so that the
  // connection can be reused.
  req.resume();
  if (error instanceof BadRequest) sendJson(res, 400, { error: error.message });
  else sendJson(res, 500, { error: "internal error in the receiver" });
}

function writePortFile(portFile, port) {
  const temporary = `${portFile}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${port}\n`);
  fs.renameSync(temporary, portFile);
}

function main() {
  let options;
  try {
    options = parseOptions();
  } catch (error) {
    console.error(`receiver: ${error.message}`);
    console.error(
      "usage: node receiver.mjs --port 0 [--port-file <path>] [--host <address>] [--quiet] [--count-only]" +
        " [--fail-rate <0..1>] [--log <path>]",
    );
    process.exit(2);
  }

  const server = http.createServer((req, res) => {
    handle(req, res, options).catch((error) => answerFailure(req, res, error));
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  let listening = false;
  server.on("error", (error) => {
    console.error(`receiver: server error: ${error.message}`);
    if (!listening) process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    listening = true;
    const { port } = server.address();
    try {
      if (options.portFile) writePortFile(options.portFile, port);
    } catch (error) {
      console.error(`receiver: cannot write the port file ${options.portFile}: ${error.message}`);
      process.exit(1);
    }
    if (!options.quiet) {
      console.log(`receiver listening on http://${options.host}:${port}/${options.countOnly ? " (count-only)" : ""}`);
    }
  });

  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // A test receiver that dies takes the evidence with it: log and carry on.
  process.on("uncaughtException", (error) => console.error("receiver: uncaught exception:", error));
  process.on("unhandledRejection", (error) => console.error("receiver: unhandled rejection:", error));
}

main();
