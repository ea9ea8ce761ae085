#!/usr/bin/env bash
# Runs every test of the solution from a fresh clone: restores the packages, builds, runs each test project,
# and ends with one summary line ("Total: N passed, N failed, N skipped"). Nothing needs to be installed
# beforehand except the .NET SDK (global.json names the version), CMake and a C++ compiler: the V8 backend's
# libnode comes from Debian's packages through provide-libnode.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

src/CodeActSdk.V8/native/provide-libnode.sh || { echo "Could not provide libnode for the V8 backend (see above)." >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT

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
