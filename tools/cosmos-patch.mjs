// Patch with a filter predicate that keeps its case.
//
// The backend lower-cases a "FROM c WHERE ..." predicate before it runs it (so c.lastSeq
// becomes c.lastseq and never matches a camelCase property), and runs it over the whole
// container. Here the predicate is evaluated as written, against the one item being patched;
// the backend's own patch then applies the operations without a condition.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const patchModule = require("@vercel/cosmosdb-server/lib/handler/_patch-operations.js");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header.js");
const backendPatch = patchModule.patchOperation;

/** Routes the backend's single-item PATCH through patchItem (its handler looks the export up per call). */
export function installCaseKeepingPatch() {
  patchModule.patchOperation = patchItem;
}

/** input: { id, partitionKey (header JSON), ifMatch, operations, condition }. Returns { statusCode, body }. */
export function patchItem(collection, input) {
  if (!input.condition) return backendPatch(collection, input);
  const doc = collection.document(input.id, parsePartitionKey(input.partitionKey, input.id)).read();
  if (!doc) return { statusCode: 404, body: { code: "NotFound", message: "Entity with the specified id does not exist in the system." } };
  if (input.ifMatch && input.ifMatch !== doc._etag) return preconditionFailed("Operation cannot be performed because one of the specified precondition is not met.");
  let matches;
  try {
    matches = predicateMatches(collection, input.condition, doc);
  } catch (err) {
    return { statusCode: 400, body: { code: "BadRequest", message: `Invalid filter predicate: ${err.message}` } };
  }
  if (!matches) return preconditionFailed("Condition specified in the patch request is not satisfied.");
  return backendPatch(collection, { ...input, condition: undefined });
}

// Cosmos accepts "FROM c WHERE ...", and (in practice) "WHERE ..." or a full SELECT.
function predicateMatches(collection, condition, doc) {
  const text = condition.trim();
  const sql = /^select\s/i.test(text) ? text : /^from\s/i.test(text) ? `SELECT VALUE 1 ${text}` : `SELECT VALUE 1 FROM c ${text}`;
  const documents = collection.documents;
  const result = documents._getQuery(sql).exec([doc], { parameters: [], udf: documents._userDefinedFunctions() });
  return result.result.length > 0;
}

function preconditionFailed(message) {
  return { statusCode: 412, body: { code: "PreconditionFailed", message } };
}
