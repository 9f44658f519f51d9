// HybridRow rows and RecordIO streams, as far as Cosmos DB transactional batches use them.
//
// The .NET SDK sends a batch as a RecordIO stream of HybridRow rows (schema "BatchOperation")
// and expects the answer in the same framing (schema "BatchResult"); see
// Microsoft.Azure.Cosmos/src/Batch/HybridRowBatchSchemas.json and the HybridRow format
// (microsoft/HybridRow, Docs/Grammar.md, Docs/RecordIO.md). Written from those descriptions.
//
// Supported: flat schemas of fixed, variable and sparse primitive columns (no scopes, no
// fixed booleans), which is all the batch schemas need.
//
// Row:     [version 0x81][schema id int32] [presence bits] [fixed fields] [variable fields] [sparse fields]
// RecordIO: one Segment row, then per record a Record row {length, crc32} followed by the record.

import zlib from "node:zlib";

const VERSION_V1 = 0x81;
const HEADER_SIZE = 5; // version byte + schema id
const SEGMENT_SCHEMA_ID = 2147473648;
const RECORD_SCHEMA_ID = 2147473649;
const RECORD_HEADER_SIZE = HEADER_SIZE + 8; // int32 length + uint32 crc32, both non-nullable

// Layout codes of the primitive types (Layouts/LayoutCode.cs) and their fixed sizes.
const CODES = {
  null: 1,
  boolFalse: 2,
  bool: 3,
  int8: 5,
  int16: 6,
  int32: 7,
  int64: 8,
  uint8: 9,
  uint16: 10,
  uint32: 11,
  uint64: 12,
  varint: 13,
  varuint: 14,
  float32: 15,
  float64: 16,
  decimal: 17,
  datetime: 18,
  guid: 19,
  utf8: 20,
  binary: 21,
  float128: 22,
  unixdatetime: 23,
  mongodbobjectid: 24,
};
const FIXED_SIZES = {
  1: 0, 2: 0, 3: 0, 5: 1, 6: 2, 7: 4, 8: 8, 9: 1, 10: 2, 11: 4, 12: 8,
  15: 4, 16: 8, 17: 16, 18: 8, 19: 16, 22: 16, 23: 8, 24: 12,
};
const NAME_OF_CODE = Object.fromEntries(Object.entries(CODES).map(([name, code]) => [code, name]));

// A schema's physical layout, as LayoutCompiler builds it: one presence bit per fixed
// (nullable) and variable column in declaration order; path tokens 1..n in the order
// fixed, variable, sparse (token 0 is the empty path).
export function layout(schemaId, columns) {
  const fixed = columns.filter((c) => c.storage === "fixed");
  const variable = columns.filter((c) => c.storage === "variable");
  const sparse = columns.filter((c) => c.storage === "sparse");
  let bit = 0;
  const withBits = new Map();
  for (const c of columns) {
    if (c.storage === "sparse") continue;
    if (c.type === "bool" && c.storage === "fixed") throw new Error("fixed bool columns are not supported");
    withBits.set(c.path, bit);
    bit += 1;
  }
  const bitmaskBytes = Math.ceil(bit / 8);
  let offset = bitmaskBytes;
  const fixedColumns = fixed.map((c) => {
    const col = { ...c, bit: withBits.get(c.path), offset };
    offset += FIXED_SIZES[CODES[c.type]];
    return col;
  });
  const variableColumns = variable.map((c) => ({ ...c, bit: withBits.get(c.path) }));
  const tokens = ["", ...fixed, ...variable, ...sparse].map((c) => (typeof c === "string" ? c : c.path));
  return {
    schemaId,
    bitmaskBytes,
    size: offset, // presence bits + fixed fields
    fixed: fixedColumns,
    variable: variableColumns,
    sparse: new Map(sparse.map((c) => [c.path, c])),
    tokens,
    tokenOf: new Map(tokens.map((path, i) => [path, i])),
  };
}

// ------------------------------------------------------------------- reading
export function readRow(rowLayout, buf) {
  const reader = { buf, pos: 0 };
  if (buf.length < HEADER_SIZE + rowLayout.size || buf[0] !== VERSION_V1) throw new Error("not a HybridRow V1 row");
  const schemaId = buf.readInt32LE(1);
  if (schemaId !== rowLayout.schemaId) throw new Error(`unexpected schema id ${schemaId}`);
  const scope = HEADER_SIZE;
  const row = {};
  for (const c of rowLayout.fixed) {
    if (hasBit(buf, scope, c.bit)) row[c.path] = readFixed(buf, scope + c.offset, CODES[c.type]);
  }
  reader.pos = scope + rowLayout.size;
  for (const c of rowLayout.variable) {
    if (hasBit(buf, scope, c.bit)) row[c.path] = readVariable(reader, c.type);
  }
  while (reader.pos < buf.length) {
    const code = buf[reader.pos];
    reader.pos += 1;
    const path = readSparsePath(reader, rowLayout.tokens);
    row[path] = readSparseValue(reader, code);
  }
  return row;
}

function hasBit(buf, scope, bit) {
  return (buf[scope + (bit >> 3)] & (1 << (bit & 7))) !== 0;
}

function readVarUInt(reader) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = reader.buf[reader.pos];
    if (b === undefined) throw new Error("truncated varuint");
    reader.pos += 1;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
    shift += 7;
  }
}

function readBytes(reader) {
  const length = readVarUInt(reader);
  const end = reader.pos + length;
  if (end > reader.buf.length) throw new Error("truncated field");
  const bytes = reader.buf.subarray(reader.pos, end);
  reader.pos = end;
  return bytes;
}

function readVariable(reader, type) {
  if (type === "utf8") return readBytes(reader).toString("utf8");
  if (type === "binary") return readBytes(reader);
  throw new Error(`variable ${type} columns are not supported`);
}

// A path is a token of the layout, or (token - tokenCount) bytes of UTF-8 that follow.
function readSparsePath(reader, tokens) {
  const token = readVarUInt(reader);
  if (token < tokens.length) return tokens[token];
  const length = token - tokens.length;
  const path = reader.buf.toString("utf8", reader.pos, reader.pos + length);
  reader.pos += length;
  return path;
}

function readSparseValue(reader, code) {
  if (code === CODES.utf8) return readBytes(reader).toString("utf8");
  if (code === CODES.binary) return readBytes(reader);
  if (code === CODES.varint) {
    const v = readVarUInt(reader);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2; // sign rotated into the lowest bit
  }
  if (code === CODES.varuint) return readVarUInt(reader);
  const size = FIXED_SIZES[code];
  if (size === undefined) throw new Error(`sparse ${NAME_OF_CODE[code] ?? code} fields are not supported`);
  const value = readFixed(reader.buf, reader.pos, code);
  reader.pos += size;
  return value;
}

function readFixed(buf, offset, code) {
  switch (code) {
    case CODES.null: return null;
    case CODES.boolFalse: return false;
    case CODES.bool: return true;
    case CODES.int8: return buf.readInt8(offset);
    case CODES.int16: return buf.readInt16LE(offset);
    case CODES.int32: return buf.readInt32LE(offset);
    case CODES.int64: return Number(buf.readBigInt64LE(offset));
    case CODES.uint8: return buf.readUInt8(offset);
    case CODES.uint16: return buf.readUInt16LE(offset);
    case CODES.uint32: return buf.readUInt32LE(offset);
    case CODES.uint64: return Number(buf.readBigUInt64LE(offset));
    case CODES.float32: return buf.readFloatLE(offset);
    case CODES.float64: return buf.readDoubleLE(offset);
    default: return buf.subarray(offset, offset + FIXED_SIZES[code]); // decimal, guid, dates, object id: raw
  }
}

// ------------------------------------------------------------------- writing
// Writes the columns of `values` that are set (undefined = absent). Only the types the batch
// result schema uses are written: int32, uint32, float64, utf8, binary, bool.
export function writeRow(rowLayout, values) {
  const head = Buffer.alloc(HEADER_SIZE + rowLayout.size);
  head[0] = VERSION_V1;
  head.writeInt32LE(rowLayout.schemaId, 1);
  for (const c of rowLayout.fixed) {
    const v = values[c.path];
    if (v === undefined) continue;
    head[HEADER_SIZE + (c.bit >> 3)] |= 1 << (c.bit & 7);
    writeFixed(head, HEADER_SIZE + c.offset, c.type, v);
  }
  const parts = [head];
  for (const c of rowLayout.variable) {
    const v = values[c.path];
    if (v === undefined) continue;
    head[HEADER_SIZE + (c.bit >> 3)] |= 1 << (c.bit & 7);
    parts.push(lengthPrefixed(c.type === "utf8" ? Buffer.from(v, "utf8") : v));
  }
  for (const [path, c] of rowLayout.sparse) {
    const v = values[path];
    if (v !== undefined) parts.push(sparseField(rowLayout.tokenOf.get(path), c.type, v));
  }
  return Buffer.concat(parts);
}

function writeFixed(buf, offset, type, v) {
  if (type === "int32") buf.writeInt32LE(v, offset);
  else if (type === "uint32") buf.writeUInt32LE(v, offset);
  else if (type === "float64") buf.writeDoubleLE(v, offset);
  else throw new Error(`writing fixed ${type} is not supported`);
}

function varUInt(value) {
  const bytes = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function lengthPrefixed(bytes) {
  return Buffer.concat([varUInt(bytes.length), bytes]);
}

function sparseField(token, type, v) {
  if (type === "bool") return Buffer.from([v ? CODES.bool : CODES.boolFalse, ...varUInt(token)]);
  const meta = Buffer.concat([Buffer.from([CODES[type]]), varUInt(token)]);
  if (type === "utf8") return Buffer.concat([meta, lengthPrefixed(Buffer.from(v, "utf8"))]);
  if (type === "binary") return Buffer.concat([meta, lengthPrefixed(v)]);
  const value = Buffer.alloc(FIXED_SIZES[CODES[type]]);
  writeFixed(value, 0, type, v);
  return Buffer.concat([meta, value]);
}

// ------------------------------------------------------------------ RecordIO
// Splits a RecordIO stream into its segment header (kept as bytes, to answer in kind) and records.
export function readRecordIO(buf) {
  const segmentLength = readSegmentLength(buf);
  const segment = buf.subarray(0, segmentLength);
  const records = [];
  let pos = segmentLength;
  while (pos < buf.length) {
    if (buf.length < pos + RECORD_HEADER_SIZE || buf[pos] !== VERSION_V1 || buf.readInt32LE(pos + 1) !== RECORD_SCHEMA_ID) {
      throw new Error(`no RecordIO record header at byte ${pos}`);
    }
    const length = buf.readInt32LE(pos + HEADER_SIZE);
    const start = pos + RECORD_HEADER_SIZE;
    if (length < 0 || start + length > buf.length) throw new Error("truncated RecordIO record");
    records.push(buf.subarray(start, start + length));
    pos = start + length;
  }
  return { segment, records };
}

// The Segment row: one presence byte, then its own length (int32) as a fixed column.
function readSegmentLength(buf) {
  if (buf.length < HEADER_SIZE + 5 || buf[0] !== VERSION_V1 || buf.readInt32LE(1) !== SEGMENT_SCHEMA_ID) {
    throw new Error("no RecordIO segment header");
  }
  if ((buf[HEADER_SIZE] & 1) === 0) throw new Error("RecordIO segment without length");
  const length = buf.readInt32LE(HEADER_SIZE + 1);
  if (length < HEADER_SIZE + 5 || length > buf.length) throw new Error("bad RecordIO segment length");
  return length;
}

export function writeRecordIO(segment, records) {
  const parts = [segment];
  for (const record of records) {
    const header = Buffer.alloc(RECORD_HEADER_SIZE);
    header[0] = VERSION_V1;
    header.writeInt32LE(RECORD_SCHEMA_ID, 1);
    header.writeInt32LE(record.length, HEADER_SIZE);
    header.writeUInt32LE(crc32(record), HEADER_SIZE + 4);
    parts.push(header, record);
  }
  return Buffer.concat(parts);
}

// zlib.crc32 arrived in Node 20.15; the SDK's reader does not check the CRC, so 0 will do before.
function crc32(bytes) {
  return typeof zlib.crc32 === "function" ? zlib.crc32(bytes) : 0;
}
