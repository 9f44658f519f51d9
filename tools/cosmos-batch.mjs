// Transactional batch for the emulator: decode the SDK's HybridRow request, run the operations
// on the in-process backend, answer per-operation results in HybridRow.
//
// Atomicity and isolation: the whole batch runs in one synchronous step of the event loop, and
// the backend's own single writes are synchronous once their body is read, so no other write to
// the partition can interleave with a batch. On the first failed operation the batch is undone
// from an undo log (the items as they were before the batch touched them).

import { createRequire } from "node:module";
import { layout, readRecordIO, readRow, writeRecordIO, writeRow } from "./hybridrow.mjs";
import { patchItem } from "./cosmos-patch.mjs";

const require = createRequire(import.meta.url);
const documentOperations = require("@vercel/cosmosdb-server/lib/handler/_document-operations.js");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header.js");

const BATCH_OPERATION = layout(2145473648, [
  { path: "operationType", type: "int32", storage: "fixed" },
  { path: "resourceType", type: "int32", storage: "fixed" },
  { path: "partitionKey", type: "utf8", storage: "variable" },
  { path: "effectivePartitionKey", type: "binary", storage: "variable" },
  { path: "id", type: "utf8", storage: "variable" },
  { path: "binaryId", type: "binary", storage: "variable" },
  { path: "resourceBody", type: "binary", storage: "variable" },
  { path: "indexingDirective", type: "utf8", storage: "sparse" },
  { path: "ifMatch", type: "utf8", storage: "sparse" },
  { path: "ifNoneMatch", type: "utf8", storage: "sparse" },
  { path: "timeToLiveInSeconds", type: "int32", storage: "sparse" },
  { path: "minimalReturnPreference", type: "bool", storage: "sparse" },
]);

const BATCH_RESULT = layout(2145473649, [
  { path: "statusCode", type: "int32", storage: "fixed" },
  { path: "subStatusCode", type: "int32", storage: "fixed" },
  { path: "eTag", type: "utf8", storage: "variable" },
  { path: "resourceBody", type: "binary", storage: "variable" },
  { path: "retryAfterMilliseconds", type: "uint32", storage: "sparse" },
  { path: "requestCharge", type: "float64", storage: "sparse" },
]);

// Microsoft.Azure.Documents.OperationType values the SDK writes (seen on the wire with 3.64.0).
const OPERATION_NAMES = { 0: "Create", 1: "Patch", 2: "Read", 4: "Delete", 5: "Replace", 20: "Upsert" };
const WRITES = new Set(["Create", "Patch", "Delete", "Replace", "Upsert"]);
const ITEM_BODIES = new Set(["Create", "Replace", "Upsert"]); // the others carry a patch spec or nothing
// Limits of a batch in Cosmos DB: 100 operations, 2 MB of request.
const MAX_OPERATIONS = 100;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const FAILED_DEPENDENCY = 424;
const MULTI_STATUS = 207;

/**
 * Runs one batch request. `collection` is the backend's collection object, `headers` the
 * request headers, `body` the raw request body. Returns { status, body } with a RecordIO body,
 * or { status, json } for a request that cannot be read at all.
 */
export function executeBatch(collection, headers, body) {
  if (body.length > MAX_REQUEST_BYTES) {
    return { status: 413, json: { code: "RequestEntityTooLarge", message: "Request size is too large." } };
  }
  let segment;
  let operations;
  try {
    ({ segment, operations } = decodeBatch(body));
  } catch (err) {
    return { status: 400, json: { code: "BadRequest", message: `Unreadable batch request: ${err.message}` } };
  }
  if (operations.length === 0 || operations.length > MAX_OPERATIONS) {
    return { status: 400, json: { code: "BadRequest", message: `A batch holds 1 to ${MAX_OPERATIONS} operations; this one has ${operations.length}.` } };
  }
  const atomic = isTrue(headers["x-ms-cosmos-batch-atomic"]);
  const continueOnError = !atomic && isTrue(headers["x-ms-cosmos-batch-continue-on-error"]);
  const batchPk = headers["x-ms-documentdb-partitionkey"];
  const results = atomic
    ? runAtomically(collection, operations, batchPk)
    : runEach(collection, operations, batchPk, continueOnError);
  const failed = results.some((r) => r.statusCode >= 400);
  return {
    status: atomic && failed ? MULTI_STATUS : 200,
    body: writeRecordIO(segment, results.map((r) => writeRow(BATCH_RESULT, r))),
  };
}

function decodeBatch(body) {
  const { segment, records } = readRecordIO(body);
  const operations = records.map((record) => {
    const row = readRow(BATCH_OPERATION, record);
    const type = OPERATION_NAMES[row.operationType];
    if (!type) throw new Error(`operation type ${row.operationType} is not supported in a batch`);
    return { ...row, type };
  });
  return { segment, operations };
}

function runAtomically(collection, operations, batchPk) {
  const undo = [];
  const results = [];
  for (const op of operations) {
    const result = runOperation(collection, op, op.partitionKey ?? batchPk, undo);
    if (result.statusCode >= 400) {
      rollBack(collection, undo);
      return operations.map((_, i) => (i === results.length ? result : failedDependency()));
    }
    results.push(result);
  }
  return results;
}

function runEach(collection, operations, batchPk, continueOnError) {
  const results = [];
  let failed = false;
  for (const op of operations) {
    if (failed && !continueOnError) {
      results.push(failedDependency());
      continue;
    }
    const result = runOperation(collection, op, op.partitionKey ?? batchPk, []);
    failed = failed || result.statusCode >= 400;
    results.push(result);
  }
  return results;
}

function failedDependency() {
  return { statusCode: FAILED_DEPENDENCY, subStatusCode: 0, requestCharge: 0 };
}

// One operation through the backend's own document operations (same rules as single requests).
function runOperation(collection, op, partitionKeyJson, undo) {
  let outcome;
  try {
    outcome = dispatch(collection, op, partitionKeyJson, undo);
  } catch (err) {
    outcome = { statusCode: 400, body: { code: "BadRequest", message: err.message } };
  }
  return toResult(op, outcome);
}

function dispatch(collection, op, partitionKeyJson, undo) {
  const resourceBody = op.resourceBody ? JSON.parse(op.resourceBody.toString("utf8")) : undefined;
  const id = op.id ?? resourceBody?.id;
  if (typeof id !== "string" || id === "") return badRequest("The operation has no id.");
  const partition = parsePartitionKey(partitionKeyJson, id);
  if (ITEM_BODIES.has(op.type) && !sameItemPartition(collection, resourceBody, partitionKeyJson)) {
    return badRequest("The partition key of the item does not match the batch's partition key.");
  }
  const input = { id, partitionKey: partitionKeyJson, ifMatch: op.ifMatch, resourceBody };
  if (WRITES.has(op.type)) undo.push({ id, partition, before: collection.document(id, partition).read() });
  switch (op.type) {
    case "Create": return documentOperations.createOperation(collection, input);
    case "Read": return documentOperations.readOperation(collection, input);
    case "Replace": return documentOperations.replaceOperation(collection, input);
    case "Upsert": return documentOperations.upsertOperation(collection, input);
    case "Delete": return documentOperations.deleteOperation(collection, input);
    case "Patch": return patchItem(collection, { ...input, ...patchSpec(resourceBody) });
    default: return badRequest(`Operation ${op.type} is not supported in a batch.`);
  }
}

function patchSpec(spec) {
  if (!spec || !Array.isArray(spec.operations)) throw new Error("Invalid patch request: check syntax of patch specification.");
  return { operations: spec.operations, condition: spec.condition };
}

function sameItemPartition(collection, doc, partitionKeyJson) {
  if (!doc || typeof partitionKeyJson !== "string") return true;
  let wanted;
  try {
    [wanted] = JSON.parse(partitionKeyJson);
  } catch {
    return true;
  }
  if (wanted !== null && typeof wanted === "object") return true; // PartitionKey.None
  return collection.documents._getPartition(doc) === wanted;
}

function badRequest(message) {
  return { statusCode: 400, body: { code: "BadRequest", message } };
}

function toResult(op, { statusCode, body }) {
  const ok = statusCode < 400;
  const quiet = ok && op.minimalReturnPreference === true && op.type !== "Read";
  const hasBody = body && typeof body === "object" && Object.keys(body).length > 0 && statusCode !== 204;
  return {
    statusCode,
    subStatusCode: 0,
    eTag: ok && body && body._etag ? body._etag : undefined,
    resourceBody: hasBody && !quiet ? Buffer.from(JSON.stringify(ok ? body : errorBody(statusCode, body))) : undefined,
    requestCharge: ok ? 1 : 0,
  };
}

function errorBody(statusCode, body) {
  return { code: body.code ?? String(statusCode), message: body.message ?? `Operation failed with status ${statusCode}.` };
}

// Puts every touched item back as it was, newest change first.
function rollBack(collection, undo) {
  const documents = collection.documents;
  for (const { id, partition, before } of undo.reverse()) {
    if (collection.document(id, partition).read()) documents.delete(id, partition);
    if (before) documents._set(before);
  }
}

function isTrue(value) {
  return typeof value === "string" && value.toLowerCase() === "true";
}
