#!/usr/bin/env bash
# Runs the test projects one after another (QEMU tests want the machine's two cores to themselves).
set -uo pipefail
config="$1"; shift
failed=()
for p in "$@"; do
  echo "== $p"
  if ! dotnet test "$p" -c "$config" --no-build -nologo --logger "console;verbosity=minimal"; then
    failed+=("$p")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all test projects passed"
