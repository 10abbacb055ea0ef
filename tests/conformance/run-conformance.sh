#!/bin/sh
# Starts kontext-sim-server, runs the official fal JavaScript client against
# it (conformance.mjs) and reports TAP. Fails, never skips, when node or the
# client is missing.
#
# Usage: run-conformance.sh SIM_SERVER_EXE CONFORMANCE_DIR

server_exe=$1
dir=$2

if ! command -v node >/dev/null 2>&1; then
  echo "Bail out! node is not installed: install Node.js 20, then run npm ci --prefix tests/conformance"
  exit 1
fi

if [ ! -f "$dir/node_modules/@fal-ai/client/package.json" ]; then
  echo "Bail out! the official client is missing: run npm ci --prefix tests/conformance"
  exit 1
fi

out=$(mktemp)
"$server_exe" --key test:key --queue-delay 100 --run-time 300 --ping-interval 1000 >"$out" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -f "$out"' EXIT INT TERM

base_url=
tries=0
while [ -z "$base_url" ] && [ "$tries" -lt 200 ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  base_url=$(head -n 1 "$out")
  [ -n "$base_url" ] || sleep 0.05
  tries=$((tries + 1))
done

if [ -z "$base_url" ]; then
  echo "Bail out! kontext-sim-server did not print its base URL"
  exit 1
fi

cd "$dir" && NODE_PATH="$dir/node_modules" node "$dir/conformance.mjs" "$base_url"
