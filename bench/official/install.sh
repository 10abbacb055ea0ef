#!/bin/sh
# Installs the official client pinned in package-lock.json into
# bench/official/node_modules (npm ci: exactly the locked versions).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: install Node.js 20" >&2
  exit 1
fi
if [ -f "$dir/node_modules/@fal-ai/client/package.json" ] &&
   [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
  exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
