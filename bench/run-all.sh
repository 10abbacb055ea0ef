#!/bin/sh
# Builds the benchmarks, installs the official client they compare with,
# runs every benchmark and collects their JSON into one object, with one
# summary line per benchmark on stderr.
#
# usage: bench/run-all.sh [BUILDDIR]      (default: _build/bench)
#   BENCH_QUICK=1   fewer jobs and a 20 s idle span, for a first look
#
# Each benchmark starts its own kontext-sim-server and needs no display.
# Figures depend on the machine and on what else runs on it: run on a
# quiet machine. Exit status: 0 when every target was met, 1 when one was
# missed, 2 when something could not run.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 2
build=${1:-_build/bench}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=debugoptimized >&2 || exit 2
fi
ninja -C "$build" -j2 bench/bench-completion bench/bench-concurrency bench/bench-idle \
  bench/bench-reference tests/sim/kontext-sim-server >&2 || exit 2
bench/official/install.sh || exit 2

out="$build/bench-results"
mkdir -p "$out"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  completion_args="--jobs 20"; concurrency_args="--jobs 16 --singles 3"
  idle_args="--seconds 20"; reference_args="--runs 2"
else
  completion_args=""; concurrency_args=""; idle_args=""; reference_args=""
fi

failed=0
for name in completion concurrency idle reference; do
  eval "args=\$${name}_args"
  echo "running bench-$name $args…" >&2
  # shellcheck disable=SC2086
  if ! "$build/bench/bench-$name" $args >"$out/$name.json"; then
    echo "bench-$name failed" >&2
    rm -f "$out/$name.json"
    failed=1
  fi
done

node bench/summarize.mjs "$out" >"$out/all.json"
status=$?
cat "$out/all.json"
[ "$failed" = 0 ] || exit 2
exit "$status"
