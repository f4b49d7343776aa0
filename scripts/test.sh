#!/usr/bin/env bash
# Runs the test projects one after another (QEMU tests want the machine's two cores to themselves).
# TEST_FILTER picks the tests (dotnet test --filter); by default every test except those that reproduce a
# third-party bug (trait Category=ThirdPartyDefect), which `make test-defects` runs on their own.
set -uo pipefail
config="$1"; shift
filter="${TEST_FILTER:-Category!=ThirdPartyDefect}"
failed=()
# Busy share of both cores from /proc/stat (user, nice, system, irq, softirq of all but steal), to see where CPU idles.
cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
for p in "$@"; do
  echo "== $p"
  read -r busy0 total0 < <(cpu); start=$SECONDS
  if ! dotnet test "$p" -c "$config" --no-build -nologo --logger "console;verbosity=minimal" --filter "$filter" \
      --results-directory .build/test-results --logger "trx;LogFileName=$(basename "$p" .csproj).trx"; then
    failed+=("$p")
  fi
  read -r busy1 total1 < <(cpu)
  echo "== $(basename "$p" .csproj): $((SECONDS - start)) s, CPU busy $(( (busy1 - busy0) * 100 / (total1 - total0 + 1) ))%"
done
# Where the time goes (the suite has a 30 min budget): the slowest tests of the run.
if command -v python3 >/dev/null; then python3 scripts/slowest-tests.py .build/test-results/*.trx; fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all test projects passed"
