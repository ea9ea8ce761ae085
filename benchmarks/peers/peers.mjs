// Peer sandboxes timed on the workloads of benchmarks/CodeActSdk.CrossBackend.Benchmarks, so that CodeActSdk's
// backends can be compared with what a Node.js host would use instead:
//   - node:vm, one new context per session (vm.createContext + vm.Script#runInContext). Not a security boundary.
//   - quickjs-emscripten, one new QuickJS context (with its own runtime) per session, from one loaded WebAssembly
//     module.
//
// Usage: node peers.mjs [N]      (N = timed runs of each compute workload, default 5)
// Prints one JSON object on stdout: the median milliseconds of each workload per sandbox (start, loop, json, and
// tools: 1,000 host-function calls in a loop; loopInFunction: the loop with function-local variables, outside the
// comparison), then the versions and run counts.
// Install the dependency first: npm ci --prefix benchmarks/peers

import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { getQuickJS } from 'quickjs-emscripten';

/**
 * The measured scripts, in modern JavaScript as a model writes it (let/const, arrow functions, template literals,
 * numeric separators); the Jint (Jint 4) and V8 backends run the very same text. The .NET harness holds a copy and
 * checks it against meta.scripts of the report. Each compute script is one block: it runs again and again in one
 * session, and top-level let/const persist from one execution to the next (as in any REPL), so a second run of a
 * top-level `let s` would be a redeclaration. The block's last expression is the script's value.
 */
const SCRIPTS = {
  start: '1 + 1',
  loop: '{ let s = 0; for (let i = 0; i < 5_000_000; i++) { s = (s + i * i) % 1000003; } s }',
  // The same loop inside an arrow function. In a node:vm context, top-level `var`s are properties of the
  // contextified global object, reached through interceptors on every access (block-scoped `let`s are not); this
  // variant is kept for comparison with the earlier ES5 figures.
  loopInFunction: '(() => { let s = 0; for (let i = 0; i < 5_000_000; i++) { s = (s + i * i) % 1000003; } return s; })()',
  json: [
    '{',
    '  const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: [`t${i % 7}`, `t${i % 11}`, `t${i % 13}`] }));',
    '  const back = JSON.parse(JSON.stringify(items));',
    '  back.length',
    '}',
  ].join('\n'),
  // 1,000 calls of the host function add(a, b) in a loop: the cost of crossing from the sandbox to the host.
  tools: '{ let s = 0; for (let i = 0; i < 1_000; i++) { s += add(i, 1); } s }',
};

/** What each script must return; a sandbox that returns anything else fails the run. */
const EXPECTED = { start: 2, loop: expectedLoopValue(), loopInFunction: expectedLoopValue(), json: 10000, tools: 500500 };

/** Session starts are cheap: many more of them are timed, with a pause between two, as a host creates them. */
const START_RUNS = 100;
const START_WARMUP = 20;
const START_PAUSE_MS = 20;
/** Compute scripts run first, untimed, for this long (at least once): V8 optimises the short ones meanwhile. */
const COMPUTE_WARMUP_MS = 500;

function expectedLoopValue() {
  let s = 0;
  for (let i = 0; i < 5000000; i++) {
    s = (s + i * i) % 1000003;
  }
  return s;
}

function parseRuns(argv) {
  if (argv.length === 0) {
    return 5;
  }

  const n = Number.parseInt(argv[0], 10);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`N must be a positive integer, not '${argv[0]}'. Usage: node peers.mjs [N]`);
  }

  return n;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function check(sandbox, workload, value) {
  if (value !== EXPECTED[workload]) {
    throw new Error(`${sandbox} returned ${JSON.stringify(value)} for '${workload}', expected ${EXPECTED[workload]}.`);
  }
}

/**
 * A sandbox as the harness sees it: openSession(withTool) gives { run(code) -> value, close() }; withTool installs
 * the host function add(a, b) as a global of the session (only for the tools workload, so that the other workloads'
 * sessions are as before). run() compiles and evaluates the code each time, as one execution of a session does.
 */
function nodeVmSandbox() {
  return {
    name: 'vm',
    openSession(withTool = false) {
      const context = vm.createContext(withTool ? { add: (a, b) => a + b } : {});
      return {
        run: (code) => new vm.Script(code).runInContext(context),
        close() {}, // contexts are garbage-collected; there is nothing to release by hand.
      };
    },
  };
}

function quickJsSandbox(quickJs) {
  return {
    name: 'quickjs',
    openSession(withTool = false) {
      const context = quickJs.newContext();
      if (withTool) {
        const add = context.newFunction('add', (a, b) => context.newNumber(context.getNumber(a) + context.getNumber(b)));
        context.setProp(context.global, 'add', add);
        add.dispose();
      }

      return {
        run(code) {
          const result = context.evalCode(code);
          if (result.error) {
            const error = context.dump(result.error);
            result.error.dispose();
            throw new Error(`QuickJS: ${JSON.stringify(error)}`);
          }

          const value = context.dump(result.value);
          result.value.dispose();
          return value;
        },
        close: () => context.dispose(),
      };
    },
  };
}

/** Time of opening a fresh session and getting the value of `1 + 1`; the session is closed outside the timing. */
async function timeStart(sandbox) {
  const times = [];
  for (let r = 0; r < START_WARMUP + START_RUNS; r++) {
    await sleep(START_PAUSE_MS);
    const started = performance.now();
    const session = sandbox.openSession();
    const value = session.run(SCRIPTS.start);
    const elapsed = performance.now() - started;
    session.close();
    check(sandbox.name, 'start', value);
    if (r >= START_WARMUP) {
      times.push(elapsed);
    }
  }

  return median(times);
}

/** Time of one execution of a compute script, repeated in one session opened for the workload. */
function timeCompute(sandbox, workload, runs) {
  const session = sandbox.openSession(workload === 'tools');
  try {
    const warmUpStarted = performance.now();
    do {
      timeExecution(sandbox, session, workload);
    } while (performance.now() - warmUpStarted < COMPUTE_WARMUP_MS);

    const times = [];
    for (let r = 0; r < runs; r++) {
      times.push(timeExecution(sandbox, session, workload));
    }

    return median(times);
  } finally {
    session.close();
  }
}

function timeExecution(sandbox, session, workload) {
  const started = performance.now();
  const value = session.run(SCRIPTS[workload]);
  const elapsed = performance.now() - started;
  check(sandbox.name, workload, value);
  return elapsed;
}

async function measure(sandbox, runs) {
  return {
    start: round(await timeStart(sandbox)),
    loop: round(timeCompute(sandbox, 'loop', runs)),
    json: round(timeCompute(sandbox, 'json', runs)),
    tools: round(timeCompute(sandbox, 'tools', runs)),
    loopInFunction: round(timeCompute(sandbox, 'loopInFunction', runs)),
  };
}

function packageVersion(name) {
  const manifest = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

function round(ms) {
  return Math.round(ms * 1000) / 1000;
}

async function main() {
  const runs = parseRuns(process.argv.slice(2));
  const quickJs = await getQuickJS();
  const report = {
    vm: await measure(nodeVmSandbox(), runs),
    quickjs: await measure(quickJsSandbox(quickJs), runs),
    meta: {
      node: process.version,
      v8: process.versions.v8,
      quickjsEmscripten: packageVersion('quickjs-emscripten'),
      scripts: { start: SCRIPTS.start, loop: SCRIPTS.loop, json: SCRIPTS.json, tools: SCRIPTS.tools },
      runs: { start: START_RUNS, startWarmup: START_WARMUP, startPauseMs: START_PAUSE_MS, compute: runs, computeWarmupMs: COMPUTE_WARMUP_MS },
    },
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((error) => {
  process.stderr.write(`peers.mjs: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
