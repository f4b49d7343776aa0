#!/usr/bin/env bash
# Format gate of `make test` (runs after the build, so no restore): the code is as `dotnet format` writes it, and no C#
# line is over 160 characters. Style and analyzer rules are already enforced by the build (EnforceCodeStyleInBuild).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet format whitespace ActorMigration.sln --no-restore --verify-no-changes
long=$(git ls-files '*.cs' | xargs awk 'length > 160 { print FILENAME ":" FNR ": " length " characters" }')
if [ -n "$long" ]; then
  echo "lines over 160 characters (wrap them):" >&2
  echo "$long" >&2
  exit 1
fi
