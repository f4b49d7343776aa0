#!/usr/bin/env bash
# Runs the test projects one after another (QEMU tests want the machine's two cores to themselves).
# TEST_FILTER picks the tests (dotnet test --filter); by default every test except those that reproduce a
# third-party bug (trait Category=ThirdPartyDefect), which `make test-defects` runs on their own.
set -uo pipefail
config="$1"; shift
filter="${TEST_FILTER:-Category!=ThirdPartyDefect}"
failed=()
for p in "$@"; do
  echo "== $p"
  if ! dotnet test "$p" -c "$config" --no-build -nologo --logger "console;verbosity=minimal" --filter "$filter" \
      --results-directory .build/test-results --logger "trx;LogFileName=$(basename "$p" .csproj).trx"; then
    failed+=("$p")
  fi
done
# Where the time goes (the suite has a 30 min budget): the slowest tests of the run.
if command -v python3 >/dev/null; then python3 scripts/slowest-tests.py .build/test-results/*.trx; fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all test projects passed"
