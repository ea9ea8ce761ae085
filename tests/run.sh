#!/usr/bin/env bash
# Runs every test of the solution from a fresh clone: restores the packages, builds, runs each test project,
# and ends with one summary line ("Total: N passed, N failed, N skipped"). Nothing needs to be installed
# beforehand except the .NET SDK (global.json names the version): the V8 backend's native V8 comes from NuGet
# (Microsoft.ClearScript.V8.Native.linux-x64), and the PostgreSQL store's tests get a throwaway
# server from provide-postgres.sh (Debian's postgresql package, installed if missing), stopped and deleted at the end.
# The MCP tests' TypeScript client (tests/fixtures/mcp-client) is installed with npm ci from its package-lock.json.
# To test against a server of your own instead, set CODEACT_POSTGRES to its connection string.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
postgres_provided=
cleanup() {
  rm -f "$log"
  # Quietly, so that the summary line stays the last thing printed.
  [[ -z "$postgres_provided" ]] || tests/provide-postgres.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${CODEACT_POSTGRES:-}" ]]; then
  postgres_provided=1
  CODEACT_POSTGRES="$(tests/provide-postgres.sh)" || { echo "Could not provide PostgreSQL for the CodeActSdk.Postgres tests (see above)." >&2; exit 1; }
fi
export CODEACT_POSTGRES

# The MCP tests drive `codeact mcp` with the official MCP TypeScript SDK client, pinned by its package-lock.json.
command -v npm >/dev/null || { echo "npm (Node.js 18 or newer) is needed for the MCP TypeScript client tests (tests/fixtures/mcp-client)." >&2; exit 1; }
npm ci --prefix tests/fixtures/mcp-client --no-audit --no-fund --loglevel=error >/dev/null \
  || { echo "Could not install tests/fixtures/mcp-client (npm ci); see above." >&2; exit 1; }

dotnet test CodeActSdk.sln --configuration Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one "Passed! / Failed!  - Failed: N, Passed: N, Skipped: N, Total: N" line per project.
awk '/(Passed|Failed)! +- Failed:/ {
       gsub(",", "");
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1);
         if ($i == "Passed:") passed += $(i + 1);
         if ($i == "Skipped:") skipped += $(i + 1);
       }
       projects++
     }
     END { if (projects == 0) exit 1;
           printf "Total: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log" \
  || { echo "No test results were found in the output." >&2; exit 1; }

exit "$status"
