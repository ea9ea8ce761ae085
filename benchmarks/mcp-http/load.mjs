// Load harness for `codeact mcp --http` (docs/benchmarks.md, "MCP over HTTP"):
//   node load.mjs <dotnet> <codeact.dll> [seconds per level, default 10] [levels, default 1,8,32]
// Starts `codeact mcp --http 127.0.0.1:0` with one bearer token, then for each level N connects N MCP clients (the
// official TypeScript SDK's StreamableHTTPClientTransport, one MCP session each) that call execute_code back to back
// in their own named Jint session for the given time, after a warm-up. Prints calls per second and the 50th, 95th
// and 99th percentile latency of a call, as a Markdown table.
import { spawn } from "node:child_process";
import os from "node:os";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [dotnet, dll, secondsArg, levelsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const levels = (levelsArg ?? "1,8,32").split(",").map(Number);
const token = "load-harness-token-0123456789";

const server = spawn(dotnet, [dll, "mcp", "--http", "127.0.0.1:0", "--max-concurrency", "32", "--max-queue", "1000"], {
  env: { ...process.env, CODEACT_MCP_TOKENS: `load=${token}` },
  stdio: ["ignore", "ignore", "pipe"],
});
const url = await new Promise((resolve, reject) => {
  let stderr = "";
  server.stderr.on("data", (chunk) => {
    stderr += chunk;
    const found = /at (http:\/\/\S+)/.exec(stderr);
    if (found) resolve(new URL(found[1]));
  });
  server.on("exit", (code) => reject(new Error(`the server exited with ${code}:\n${stderr}`)));
});

async function connect() {
  const client = new Client({ name: "codeact-load", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

const call = (client, session) =>
  client.callTool({ name: "execute_code", arguments: { backend: "jint", session_id: session, code: "globalThis.n = (globalThis.n ?? 0) + 1; n * 2" } });

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${seconds} s per level, after a 2 s warm-up`);
console.log("");
console.log("| concurrent clients | calls | calls/s | p50 ms | p95 ms | p99 ms |");
console.log("|---:|---:|---:|---:|---:|---:|");
try {
  for (const level of levels) {
    const clients = await Promise.all(Array.from({ length: level }, connect));
    const loop = async (client, i, until, latencies) => {
      while (performance.now() < until) {
        const started = performance.now();
        const result = await call(client, `load-${level}-${i}`);
        if (result.isError) throw new Error(JSON.stringify(result));
        latencies?.push(performance.now() - started);
      }
    };
    await Promise.all(clients.map((c, i) => loop(c, i, performance.now() + 2000, null)));
    const latencies = [];
    const started = performance.now();
    await Promise.all(clients.map((c, i) => loop(c, i, started + seconds * 1000, latencies)));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const ms = (v) => v.toFixed(1);
    console.log(`| ${level} | ${latencies.length} | ${(latencies.length / elapsed).toFixed(0)} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} |`);
    await Promise.all(clients.map((c) => c.close()));
  }
} finally {
  server.kill("SIGTERM");
}
