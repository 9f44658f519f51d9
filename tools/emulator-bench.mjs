#!/usr/bin/env node
// Per-request CPU of the Cosmos emulator: starts tools/cosmos-emulator.mjs (or the file given),
// sends a fixed mix of REST calls over keep-alive connections and reports the emulator
// process's CPU time per request (user + system, from /proc, so Linux only).
//
// Usage: node tools/emulator-bench.mjs [--requests 6000] [--concurrency 8] [--emulator path.mjs]
//        [--profile DIR]   (writes a V8 CPU profile of the emulator into DIR)

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const requests = Number(args.requests ?? 6000);
const concurrency = Number(args.concurrency ?? 8);
const emulatorPath = args.emulator ?? fileURLToPath(new URL("./cosmos-emulator.mjs", import.meta.url));
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function startEmulator() {
  const profile = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${args.profile}`] : [];
  const child = spawn(process.execPath, [...profile, emulatorPath, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(chunk.toString());
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

function call(port, method, path, { body, headers = {} } = {}) {
  const payload = body === undefined ? "" : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path, agent, headers: { "content-type": "application/json", ...headers, "content-length": Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

// The mix a chat backend sends: point reads (hits and misses), writes, patches, partition queries.
function operation(port, i) {
  const base = i - (i % 6); // the item created by this round of six
  const pk = `p${(base / 6) % 20}`;
  const pkHeader = { "x-ms-documentdb-partitionkey": JSON.stringify([pk]) };
  const docs = "/dbs/bench/colls/items/docs";
  switch (i % 6) {
    case 0: return call(port, "POST", docs, { body: { id: `d${base}`, pk, n: i }, headers: pkHeader });
    case 1: return call(port, "GET", `${docs}/d${base}`, { headers: pkHeader });
    case 2: return call(port, "GET", `${docs}/missing${i}`, { headers: pkHeader });
    case 3: return call(port, "PUT", `${docs}/d${base}`, { body: { id: `d${base}`, pk, n: -i }, headers: pkHeader });
    case 4: return call(port, "PATCH", `${docs}/d${base}`, { body: { operations: [{ op: "incr", path: "/n", value: 1 }] }, headers: pkHeader });
    default: return call(port, "POST", docs, {
      body: { query: "SELECT * FROM c WHERE c.n > @n", parameters: [{ name: "@n", value: 0 }] },
      headers: { ...pkHeader, "content-type": "application/query+json", "x-ms-documentdb-isquery": "True" },
    });
  }
}

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
}

async function main() {
  const { child, port } = await startEmulator();
  try {
    await call(port, "POST", "/dbs", { body: { id: "bench" } });
    await call(port, "POST", "/dbs/bench/colls", { body: { id: "items", partitionKey: { paths: ["/pk"], kind: "Hash" } } });
    for (let i = 0; i < 198; i += 1) await operation(port, i); // warm up the JIT and the query cache
    const cpuBefore = cpuMs(child.pid);
    const started = process.hrtime.bigint();
    let next = 198;
    const statuses = {};
    // One round of six at a time per worker, so each round's item exists before it is used.
    const worker = async () => {
      while (next < 198 + requests) {
        const round = next;
        next += 6;
        for (let i = round; i < round + 6; i += 1) {
          const status = await operation(port, i);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = cpuMs(child.pid) - cpuBefore;
    process.stdout.write(`${requests} requests, concurrency ${concurrency}: emulator CPU ${cpu.toFixed(0)} ms = ${((cpu * 1000) / requests).toFixed(0)} µs/request; wall ${wallMs.toFixed(0)} ms; statuses ${JSON.stringify(statuses)}\n`);
  } finally {
    child.kill("SIGTERM");
    agent.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
