#!/usr/bin/env node
// Local Cosmos DB (NoSQL API) stand-in for tests and local runs.
//
// Runs @vercel/cosmosdb-server in-process (in memory) and serves it through a
// small HTTP front end (the "proxy") that calls the server's request handler
// directly and closes the gaps which keep the .NET SDK (Microsoft.Azure.Cosmos,
// Gateway mode) from working against it: query plans, partition-scoped queries,
// OFFSET/LIMIT, DISTINCT, TTL, transactional batch (cosmos-batch.mjs), patch
// filter predicates (cosmos-patch.mjs). See tools/README.md.
//
// Usage: node tools/cosmos-emulator.mjs [--port 8081] [--host 127.0.0.1] [--verbose]
// Prints "cosmos-emulator listening on http://HOST:PORT" when ready.

import http from "node:http";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { executeBatch } from "./cosmos-batch.mjs";
import { installCaseKeepingPatch } from "./cosmos-patch.mjs";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const opts = { port: 8081, host: "127.0.0.1", verbose: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined) usage(`missing value for ${a}`);
      i += 1;
      return v;
    };
    if (a === "--port" || a === "-p") opts.port = Number.parseInt(value(), 10);
    else if (a.startsWith("--port=")) opts.port = Number.parseInt(a.slice(7), 10);
    else if (a === "--host") opts.host = value();
    else if (a.startsWith("--host=")) opts.host = a.slice(7);
    else if (a === "--verbose" || a === "-v") opts.verbose = true;
    else if (a === "--help" || a === "-h") usage();
    else usage(`unknown argument: ${a}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage("bad --port");
  return opts;
}

function usage(error) {
  const text = "usage: node tools/cosmos-emulator.mjs [--port 8081] [--host 127.0.0.1] [--verbose]\n";
  if (error) {
    process.stderr.write(`cosmos-emulator: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));
const log = opts.verbose
  ? (msg) => process.stderr.write(`[cosmos-emulator] ${msg}\n`)
  : () => {};

// The backend console.error()s a stack trace for every request it answers
// with 500 (e.g. every point read of a missing item). Keep quiet by default.
const backendConsoleError = console.error;
console.error = opts.verbose ? backendConsoleError : () => {};

// ------------------------------------------------------------------ backend
const cosmos = require("@vercel/cosmosdb-server");
const Documents = require("@vercel/cosmosdb-server/lib/account/documents.js").default;
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header.js");

// The proxy runs batches on the backend's data directly, so keep hold of the account the
// backend creates when it starts listening (its module export is looked up at that moment).
// Real Cosmos writes resource ids in base64 with '-' for '/', so a rid can stand in a URL path. The
// backend keeps the '/', and then every 64th or so database's queries fail with 404 (its rid splits
// the path of the partition-key-range lookup).
const ResourceId = require("@vercel/cosmosdb-server/lib/account/resource-id.js").default;
ResourceId.toBase64String = (buffer) => buffer.toString("base64").replaceAll("/", "-");
ResourceId.fromBase64String = (text) => Buffer.from(text.replaceAll("-", "/"), "base64");

const accountModule = require("@vercel/cosmosdb-server/lib/account/index.js");
const BackendAccount = accountModule.default;
let backendAccount = null;
accountModule.default = class CapturedAccount extends BackendAccount {
  constructor(...args) {
    super(...args);
    backendAccount = this;
  }
};

installCaseKeepingPatch();

// Partition-scoped queries: the backend ignores the x-ms-documentdb-partitionkey
// header on queries (it searches every partition, or answers 400 "missing
// partition keys" when the WHERE clause does not name the partition key).
// The proxy hands the requested partition key down in a private body field,
// and this wrapper runs the query over that partition's documents only.
// Query execution in the backend is synchronous, so swapping _data is safe.
const PK_FIELD = "__emulatorPartitionKey";
const origQuery = Documents.prototype.query;
Documents.prototype.query = function queryInPartition(params, options) {
  purgeExpired(this);
  if (!params || !Object.prototype.hasOwnProperty.call(params, PK_FIELD)) {
    return queryWithClauses.call(this, params, options);
  }
  const inPartition = partitionMatcher(params[PK_FIELD]);
  const keyPath = this._getPartitionKeyPath(); // once per query, not once per item
  const all = this._data;
  const subset = new Map();
  for (const [rid, item] of all) {
    if (inPartition(getValue(keyPath, item.read()))) subset.set(rid, item);
  }
  this._data = subset;
  try {
    return queryWithClauses.call(this, params, options);
  } finally {
    this._data = all;
  }
};

// The backend's SQL engine (@zeit/cosmosdb-query) has no DISTINCT and no
// OFFSET/LIMIT. The SDK sends in-partition queries to the server as they are
// (it does not apply these clauses itself), so emulate them here: strip the
// clause, run the rest, then dedupe / skip / take and page the result with a
// continuation token of our own ({"emulatorSkip": n}).
const DISTINCT_RE = /^(\s*SELECT\s+)DISTINCT\s+/i;
const TOP_RE = /^(\s*SELECT\s+)TOP\s+(\d+|@\w+)\s+/i;
const OFFSET_LIMIT_RE = /\s+OFFSET\s+(\d+|@\w+)\s+LIMIT\s+(\d+|@\w+)\s*;?\s*$/i;

function queryWithClauses(params, options) {
  const sql = params && typeof params.query === "string" ? params.query : null;
  if (!sql) return origQuery.call(this, params, options);
  let rest = sql;
  let distinct = false;
  let top = null;
  let offset = null;
  let limit = null;
  const paramValue = (token) => {
    if (/^\d+$/.test(token)) return Number(token);
    const p = (params.parameters || []).find((x) => x && x.name === token);
    const v = p ? p.value : undefined;
    if (!Number.isInteger(v) || v < 0) {
      const err = new Error(`Invalid value for ${token} in OFFSET/LIMIT/TOP: expected a non-negative integer.`);
      err.badRequest = true;
      throw err;
    }
    return v;
  };
  const ol = OFFSET_LIMIT_RE.exec(rest);
  if (ol) {
    offset = paramValue(ol[1]);
    limit = paramValue(ol[2]);
    rest = rest.slice(0, ol.index);
  }
  if (DISTINCT_RE.test(rest)) {
    distinct = true;
    rest = rest.replace(DISTINCT_RE, "$1");
    const t = TOP_RE.exec(rest);
    if (t) {
      top = paramValue(t[2]);
      rest = rest.replace(TOP_RE, "$1");
    }
  }
  if (!distinct && offset === null) return origQuery.call(this, params, options);

  const full = origQuery.call(this, { ...params, query: rest }, {});
  if (!full) return full;
  let items = full.result;
  if (distinct) {
    const seen = new Set();
    items = items.filter((x) => {
      const k = canonicalJson(x);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  if (offset !== null) items = items.slice(offset, offset + limit);
  if (top !== null) items = items.slice(0, top);

  const { maxItemCount, continuation } = options || {};
  const start = continuation && Number.isInteger(continuation.emulatorSkip) ? continuation.emulatorSkip : 0;
  const size = Number.isInteger(maxItemCount) && maxItemCount > 0 ? maxItemCount : items.length;
  const page = items.slice(start, start + size);
  const next = start + page.length;
  return { result: page, continuation: next < items.length ? { emulatorSkip: next } : undefined };
}

function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return value === undefined ? "undefined" : JSON.stringify(value);
}

// Time to live: the backend ignores defaultTtl / ttl. Emulate it lazily: an
// item past its expiry is removed when it is next looked up by id, and before
// every query or read feed, so it is never seen again (like Cosmos DB, where
// expired items vanish from reads and queries at once).
function ttlOf(collection, doc) {
  const def = collection ? collection.defaultTtl : undefined;
  if (!Number.isInteger(def) || def === 0) return null; // TTL off on the container
  const own = doc.ttl;
  if (Number.isInteger(own) && own !== 0) return own > 0 ? own : null; // -1: never
  return def > 0 ? def : null;
}

function isExpired(documents, doc) {
  const ttl = ttlOf(documents._parent.read(), doc);
  return ttl !== null && Number.isFinite(doc._ts) && Date.now() / 1000 >= doc._ts + ttl;
}

function purge(documents, doc) {
  const partition = documents._getPartition(doc);
  for (const keyPath of documents._uniqueKeyPaths) {
    const value = getValue(keyPath.slice(1).split("/"), doc);
    documents._index.delete(documents._getId(keyPath, value, partition));
  }
  documents._data.delete(doc._rid);
}

function purgeExpired(documents) {
  const collection = documents._parent.read();
  if (!collection || !Number.isInteger(collection.defaultTtl) || collection.defaultTtl === 0) return;
  for (const item of [...documents._data.values()]) {
    const doc = item.read();
    if (doc && isExpired(documents, doc)) purge(documents, doc);
  }
}

const origItem = Documents.prototype._item;
Documents.prototype._item = function itemUnlessExpired(keyPath, value, partition) {
  const item = origItem.call(this, keyPath, value, partition);
  const doc = item.read();
  if (doc && isExpired(this, doc)) {
    purge(this, doc);
    return this._newItem();
  }
  return item;
};

const origRead = Documents.prototype.read;
Documents.prototype.read = function readUnexpired(options) {
  purgeExpired(this);
  return origRead.call(this, options);
};

function getValue(keys, obj) {
  let v = obj;
  for (const k of keys) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[k];
  }
  return v;
}

// A test for "this item's partition key value is the wanted one". wanted === undefined stands
// for PartitionKey.None (header "[{}]"); primitives compare directly, anything else as JSON.
function partitionMatcher(wanted) {
  if (wanted === undefined || wanted === null || typeof wanted !== "object") return (actual) => actual === wanted;
  const json = JSON.stringify(wanted);
  return (actual) => actual !== undefined && JSON.stringify(actual) === json;
}

// The backend listens on an internal port only so that it creates its account (it does so
// on "listening"); the proxy never connects to it but calls its request handler in-process
// (see askBackend), which saves an HTTP round trip per request.
const backend = typeof cosmos.createHttpServer === "function"
  ? cosmos.createHttpServer({ keepAlive: true })
  : cosmos.createHttpsServer({ keepAlive: true });
const backendHandler = backend.listeners("request")[0];

// The backend's handlers read their body through this module; hand them the body the proxy
// has already read (and, for queries, already parsed) instead of a request stream.
const jsonModule = require("@vercel/cosmosdb-server/lib/json.js");
jsonModule.default = async (req) => (req.parsedBody !== undefined ? req.parsedBody : JSON.parse(req.rawBody.toString()));

// -------------------------------------------------------------------- proxy
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
]);

const DOC_PATH = /^\/*dbs\/[^/]+\/colls\/[^/]+\/docs\/[^/]+\/?$/;
const DOCS_PATH = /^\/*dbs\/[^/]+\/colls\/[^/]+\/docs\/?$/;

const STATUS_CODES = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  412: "PreconditionFailed",
  413: "RequestEntityTooLarge",
  429: "TooManyRequests",
  500: "InternalServerError",
};

function isTrue(value) {
  if (Array.isArray(value)) return value.some(isTrue);
  return typeof value === "string" && value.toLowerCase() === "true";
}

function isQuery(req) {
  return (
    req.method === "POST" &&
    (isTrue(req.headers["x-ms-documentdb-isquery"]) ||
      String(req.headers["content-type"] || "").startsWith("application/query+json"))
  );
}

function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

// body: a string (most answers: the backend's JSON text) or a Buffer. A string goes out in
// one write together with the headers, without a copy into a Buffer first.
function send(res, status, headers, body) {
  const payload = body ?? "";
  const out = {
    "x-ms-activity-id": randomUUID(),
    "x-ms-request-charge": "1",
    ...headers,
    "content-length": String(typeof payload === "string" ? Buffer.byteLength(payload) : payload.length),
  };
  if (status === 204 || status === 304) {
    delete out["content-length"];
    res.writeHead(status, out);
    res.end();
    return;
  }
  res.writeHead(status, out);
  res.end(payload);
}

function sendJson(res, status, obj, headers = {}) {
  send(res, status, { "content-type": "application/json", ...headers }, JSON.stringify(obj));
}

// A "run it as is" query plan. The backend holds one partition key range and
// evaluates ORDER BY / TOP / OFFSET LIMIT / aggregates / DISTINCT itself, so
// the SDK must not post-process anything.
function queryPlan() {
  return {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: "None",
      top: null,
      offset: null,
      limit: null,
      orderBy: [],
      orderByExpressions: [],
      groupByExpressions: [],
      groupByAliases: [],
      aggregates: [],
      groupByAliasToAggregateType: {},
      rewrittenQuery: "",
      hasSelectValue: false,
      dCountInfo: null,
      hasNonStreamingOrderBy: false,
    },
    queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
  };
}

// Parse the x-ms-documentdb-partitionkey header: '["a"]' -> { value: "a" },
// '[{}]' (PartitionKey.None) -> { value: undefined }; anything else -> null.
function parsePartitionKeyHeader(raw) {
  if (typeof raw !== "string" || raw === "") return null;
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 1) return null;
  const [v] = parsed;
  if (v !== null && typeof v === "object") {
    return Object.keys(v).length === 0 ? { value: undefined } : null;
  }
  return { value: v };
}

// Runs one request through the backend's handler with a stand-in request and response.
function askBackend(req, headers, rawBody, parsedBody) {
  return new Promise((resolve) => {
    const backendReq = { method: req.method, url: req.url, headers, rawBody, parsedBody };
    const backendRes = {
      statusCode: 200,
      finished: false,
      headers: {},
      setHeader(name, value) {
        this.headers[name.toLowerCase()] = value;
      },
      end(text) {
        this.finished = true;
        resolve({ status: this.statusCode, headers: this.headers, body: text ?? "" });
      },
    };
    backendHandler(backendReq, backendRes);
  });
}

function isBatch(req) {
  return req.method === "POST" && isTrue(req.headers["x-ms-cosmos-is-batch-request"]);
}

// Transactional batch (HybridRow body), run here on the backend's data: see cosmos-batch.mjs.
function answerBatch(req, res, path, body) {
  const [, dbId, collId] = /^\/*dbs\/([^/]+)\/colls\/([^/]+)\//.exec(path).map(decodeURIComponent);
  const collection = backendAccount.database(dbId).collection(collId);
  if (!collection.read()) {
    sendJson(res, 404, { code: "NotFound", message: "Resource Not Found." }, { "x-ms-substatus": "0" });
    return;
  }
  const answer = executeBatch(collection, req.headers, body);
  if (answer.json) {
    sendJson(res, answer.status, answer.json);
    return;
  }
  send(res, answer.status, { "content-type": "application/json" }, answer.body);
  log(`${req.method} ${req.url} -> ${answer.status} (batch)`);
}

async function handle(req, res) {
  const started = opts.verbose ? process.hrtime.bigint() : 0n;
  const path = (req.url || "/").split("?")[0];
  const body = await readBody(req);

  // (b) Query plan requests: answer them here.
  if (isTrue(req.headers["x-ms-cosmos-is-query-plan-request"])) {
    sendJson(res, 200, queryPlan(), { "x-ms-request-charge": "0" });
    log(`${req.method} ${req.url} -> 200 (query plan) ${body.toString()}`);
    return;
  }
  if (isBatch(req) && DOCS_PATH.test(path)) {
    answerBatch(req, res, path, body);
    return;
  }

  if (req.method === "GET" && DOC_PATH.test(path) && isMissingItem(path, req.headers)) {
    sendJson(res, 404, NOT_FOUND_ITEM, { "x-ms-substatus": "0" });
    log(`${req.method} ${req.url} -> 404 (missing item)`);
    return;
  }

  const query = isQuery(req) && DOCS_PATH.test(path);
  const scoped = query ? partitionScopedQuery(req, body) : null;
  const b = scoped
    ? await askBackend(req, scoped.headers, body, scoped.parsedBody)
    : await askBackend(req, req.headers, body, undefined);
  const answer = cosmosAnswer(req, path, b, query);
  send(res, answer.status, answer.headers, answer.body);
  if (opts.verbose) {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const extra = query ? ` pk=${req.headers["x-ms-documentdb-partitionkey"] ?? "-"} ${body.toString()}` : "";
    log(`${req.method} ${req.url} -> ${answer.status}${b.status !== answer.status ? ` (backend ${b.status})` : ""} ${ms.toFixed(1)}ms${extra}`);
  }
}

const NOT_FOUND_ITEM = { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
const DOC_IDS = /^\/*dbs\/([^/]+)\/colls\/([^/]+)\/docs\/([^/]+)/;

// (a) A point read of a missing item makes the backend throw (it answers 500, and building the
// exception is the costliest part of a read): answer it here. Anything unusual goes on to the backend.
function isMissingItem(path, headers) {
  const [, dbId, collId, docId] = DOC_IDS.exec(path).map(decodeURIComponent);
  const collection = backendAccount.database(dbId).collection(collId);
  if (!collection.read()) return false;
  let partition;
  try {
    partition = parsePartitionKey(headers["x-ms-documentdb-partitionkey"], docId);
  } catch {
    return false;
  }
  return !collection.document(docId, partition).read();
}

// Scope a query to the partition named by the request (if any): the body gets a private field
// that queryInPartition reads. Malformed bodies are left to the backend.
function partitionScopedQuery(req, body) {
  const pk = parsePartitionKeyHeader(req.headers["x-ms-documentdb-partitionkey"]);
  if (!pk) return null;
  let parsedBody;
  try {
    parsedBody = JSON.parse(body.toString() || "{}");
  } catch {
    return null;
  }
  if (!parsedBody || typeof parsedBody !== "object") return null;
  parsedBody[PK_FIELD] = pk.value;
  return { parsedBody, headers: { ...req.headers, "x-ms-documentdb-query-enablecrosspartition": "True" } };
}

// The backend's answer as Cosmos DB would give it.
function cosmosAnswer(req, path, b, query) {
  const headers = {};
  for (const k of Object.keys(b.headers)) {
    if (!HOP_BY_HOP.has(k)) headers[k] = b.headers[k];
  }
  // The backend writes https://<Host>/... here; we are plain http.
  if (typeof headers["content-location"] === "string") {
    headers["content-location"] = headers["content-location"].replace(/^https:/, "http:");
  }
  let { status, body } = b;
  if (req.method === "GET" && status === 500 && DOC_PATH.test(path)) {
    ({ status, body } = missingItemAnswer(body));
    headers["content-type"] = "application/json";
  } else if (status >= 400 && status < 500) {
    body = cosmosErrorBody(status, body);
  }
  if (status === 404 && headers["x-ms-substatus"] === undefined) headers["x-ms-substatus"] = "0";
  // (c) Query answers: the SDK must not try to distribute/re-plan.
  if (query && status === 200) headers["x-ms-cosmos-query-requiresdistribution"] = "false";
  if (req.method === "GET" && status === 200 && /^\/*$/.test(path)) body = advertiseProxy(req, body);
  return { status, headers, body };
}

function parseOrNull(text) {
  try {
    return JSON.parse(text || "null");
  } catch {
    return null;
  }
}

// A point read the backend failed with 500: a partition key header it cannot parse (400), or a
// missing item that isMissingItem did not catch (404).
function missingItemAnswer(body) {
  const msg = parseOrNull(body)?.message || "";
  if (/^Failed to parse/.test(msg)) return { status: 400, body: JSON.stringify({ code: "BadRequest", message: msg }) };
  return { status: 404, body: JSON.stringify(NOT_FOUND_ITEM) };
}

// Cosmos-style error bodies: { code, message } (the backend often sends {}).
function cosmosErrorBody(status, body) {
  const p = parseOrNull(body);
  if (!p || typeof p !== "object" || Array.isArray(p) || p.code) return body;
  p.code = STATUS_CODES[status] || "BadRequest";
  if (!p.message) p.message = p.code === "NotFound" ? "Resource Not Found." : `Request failed with status ${status}.`;
  return JSON.stringify(p);
}

// Account document: advertise this proxy, not the internal backend.
function advertiseProxy(req, body) {
  const p = parseOrNull(body);
  if (!p || typeof p !== "object") return body;
  const self = `http://${req.headers.host || `${opts.host}:${opts.port}`}/`;
  for (const key of ["writableLocations", "readableLocations"]) {
    if (Array.isArray(p[key])) for (const loc of p[key]) loc.databaseAccountEndpoint = self;
  }
  return JSON.stringify(p);
}

const proxy = http.createServer({ keepAlive: true }, (req, res) => {
  handle(req, res).catch((err) => {
    log(`proxy error on ${req.method} ${req.url}: ${err && err.stack ? err.stack : err}`);
    if (!res.headersSent) {
      sendJson(res, 503, { code: "ServiceUnavailable", message: `emulator proxy error: ${err && err.message}` });
    } else {
      res.destroy();
    }
  });
});
// (h) Keep client connections open; outlive the .NET pool's 1 min idle timeout
// so that the client, not the server, is the side that closes idle sockets.
proxy.keepAliveTimeout = 120_000;
proxy.headersTimeout = 125_000;
proxy.requestTimeout = 0;

// ---------------------------------------------------------------- lifecycle
let shuttingDown = false;
function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(0), 2000);
  force.unref();
  proxy.close();
  proxy.closeAllConnections?.();
  backend.close();
  backend.closeAllConnections?.();
  process.exitCode = 0;
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

// Outage drills for tests: SIGUSR1 takes the endpoint down (the port refuses connections and open
// ones are cut) while the data stays in memory; SIGUSR2 brings it back on the same port.
process.on("SIGUSR1", () => {
  log("SIGUSR1: endpoint down");
  proxy.close();
  proxy.closeAllConnections?.();
});
process.on("SIGUSR2", () => {
  if (proxy.listening) return;
  log("SIGUSR2: endpoint up");
  proxy.listen(opts.port, opts.host);
});

function fail(what, err) {
  process.stderr.write(`cosmos-emulator: ${what}: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
}

backend.on("error", (err) => fail("backend", err));
proxy.on("error", (err) => fail(`cannot listen on ${opts.host}:${opts.port}`, err));

backend.listen(0, "127.0.0.1", () => {
  log(`backend (cosmosdb-server) created its account; port ${backend.address().port} stays unused`);
  proxy.listen(opts.port, opts.host, () => {
    const { port } = proxy.address();
    const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
    process.stdout.write(`cosmos-emulator listening on http://${host}:${port}\n`);
  });
});
