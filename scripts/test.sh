#!/usr/bin/env bash
# Runs the test projects one after another (QEMU tests want the machine's two cores to themselves).
# TEST_SIDE_BY_SIDE=1 runs the simulated, mostly idle ones (all but TEST_ALONE: System, Drivers.Qemu) side by side
# first (on a machine saturated by other builds it gained nothing, docs/benchmarks.md "Suite time"), then the rest.
# TEST_FILTER picks the tests (dotnet test --filter); by default every test except those that reproduce a
# third-party bug (trait Category=ThirdPartyDefect), which `make test-defects` runs on their own.
set -uo pipefail
config="$1"; shift
filter="${TEST_FILTER:-Category!=ThirdPartyDefect}"
alone="${TEST_ALONE:-ActorMigration.System.Tests ActorMigration.Drivers.Qemu.Tests}"
logs=.build/test-logs
mkdir -p "$logs"
failed=()
# Busy share of both cores from /proc/stat (user, nice, system, irq, softirq of all but steal), to see where CPU idles.
cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
name() { basename "$1" .csproj; }
run() {
  dotnet test "$1" -c "$config" --no-build -nologo --logger "console;verbosity=minimal" --filter "$filter" \
    --results-directory .build/test-results --logger "trx;LogFileName=$(name "$1").trx"
}

side=(); serial=()
for p in "$@"; do
  if [ "${TEST_SIDE_BY_SIDE:-0}" = 1 ] && [[ " $alone " != *" $(name "$p") "* ]]; then side+=("$p"); else serial+=("$p"); fi
done

if [ ${#side[@]} -gt 0 ]; then
  echo "== side by side: ${side[*]}"
  read -r busy0 total0 < <(cpu); start=$SECONDS
  pids=()
  for p in "${side[@]}"; do
    ( s=$SECONDS; run "$p" >"$logs/$(name "$p").log" 2>&1; rc=$?; echo "$((SECONDS - s)) $rc" >"$logs/$(name "$p").end" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  read -r busy1 total1 < <(cpu)
  # Each project's output in turn, then its own wall time (the CPU share is of the whole side-by-side group).
  for p in "${side[@]}"; do
    echo "== $p"
    cat "$logs/$(name "$p").log"
    read -r secs rc <"$logs/$(name "$p").end" || { secs="?"; rc=1; }
    [ "$rc" = 0 ] || failed+=("$p")
    echo "== $(name "$p"): $secs s (side by side)"
  done
  echo "== side by side: $((SECONDS - start)) s, CPU busy $(( (busy1 - busy0) * 100 / (total1 - total0 + 1) ))%"
fi

for p in "${serial[@]}"; do
  echo "== $p"
  read -r busy0 total0 < <(cpu); start=$SECONDS
  run "$p" || failed+=("$p")
  read -r busy1 total1 < <(cpu)
  echo "== $(name "$p"): $((SECONDS - start)) s, CPU busy $(( (busy1 - busy0) * 100 / (total1 - total0 + 1) ))%"
done
# Where the time goes (the suite has a 30 min budget): the slowest tests of the run.
if command -v python3 >/dev/null; then python3 scripts/slowest-tests.py .build/test-results/*.trx; fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all test projects passed"
