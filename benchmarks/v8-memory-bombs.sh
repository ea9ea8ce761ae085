#!/usr/bin/env bash
# The V8 backend's memory bombs, each in a fresh `codeact exec --backend v8` process: the status it ends with,
# whether the process lived (exit code 0 or 1 with its one JSON object, not a signal) and its peak resident memory
# (GNU time's maximum RSS). Usage: benchmarks/v8-memory-bombs.sh [budget MiB, default 64]
# Needs: dotnet build -c Release src/CodeActSdk.Cli (run from the repository root).
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${1:-64}
cli=src/CodeActSdk.Cli/bin/Release/net10.0/codeact.dll
[[ -f $cli ]] || { echo "Build the CLI first: dotnet build -c Release src/CodeActSdk.Cli" >&2; exit 2; }
bombs=(
  "const k = []; while (true) k.push(new Array(1e6).fill(0));"
  "new Array(2 ** 27).fill(0).length"
  "Array.from({ length: 2 ** 27 }).length"
  "JSON.stringify(new Array(2 ** 26).fill(0)).length"
  "const a = new Array(2 ** 26); for (let i = 0; i < a.length; i++) a[i] = i; a.length"
  "const kept = []; while (true) kept.push(new Float64Array(1e6));"
  "const kept = []; while (true) { try { kept.push(new Float64Array(1e6)); } catch (e) { } }"
  "new Uint8Array(2 ** 31).length"
  "var s = 'x'; while (true) { s = s + s; }"
  "var a = []; while (true) { a.push('0123456789' + a.length); }"
  "const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });"
  "var a = [1]; while (true) { a = a.concat(a); }"
  "'x'.repeat(2 ** 29 - 24).length"
  "'1'.repeat(2 ** 26).split('').length"
)
printf '| budget | code | status | host alive | peak RSS |\n|---|---|---|---|---|\n'
baseline=$( { /usr/bin/time -f '%M' dotnet "$cli" exec --backend v8 --memory-mb "$budget" - <<< "1 + 1" >/dev/null; } 2>&1 | tail -1)
for code in "${bombs[@]}"; do
  out=$(mktemp)
  rss=$( { /usr/bin/time -f '%M' dotnet "$cli" exec --backend v8 --memory-mb "$budget" --timeout-ms 60000 - <<< "$code" >"$out"; } 2>&1 | tail -1)
  rc=$?
  status=$(grep -o '"status":"[A-Za-z]*"' "$out" | head -1 | cut -d'"' -f4)
  kind=$(grep -o '"kind":"[A-Za-z]*"' "$out" | head -1 | cut -d'"' -f4)
  alive=$([[ -s $out && $(grep -c '"status"' "$out") -eq 1 ]] && echo yes || echo "NO")
  printf '| %s MiB | `%s` | %s%s | %s | %s MiB |\n' "$budget" "$code" "${status:-none}" "${kind:+ ($kind)}" "$alive" "$((rss / 1024))"
  rm -f "$out"
done
printf '\nPeak RSS of `1 + 1` in the same process: %s MiB.\n' "$((baseline / 1024))"
