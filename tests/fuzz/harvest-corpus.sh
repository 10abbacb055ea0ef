#!/bin/sh
# Writes seed files taken from the local fal-compatible service's real
# replies into corpus/{submit,status,result,detail,sse}/ (files named
# sim-*), and records written by kontext-cli into corpus/record/.
#
#   tests/fuzz/harvest-corpus.sh BUILDDIR
#
# BUILDDIR is any normal build (it needs tests/sim/kontext-sim-server and
# src/cli/kontext-cli). Needs curl. Rerun it when the replies change; the
# hand-written seeds next to these stay as they are.
set -eu

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus"
server="$build/tests/sim/kontext-sim-server"
cli="$build/src/cli/kontext-cli"
key="fuzz-id:fuzz-secret"
port=$((20000 + $$ % 20000))
base="http://127.0.0.1:$port"
work=$(mktemp -d)

"$server" --port "$port" --key "$key" --queue-delay 300 --run-time 900 --log-lines 4 \
  --ping-interval 200 >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -s -o /dev/null "$base/_sim/stats" && break
  sleep 0.2
done

auth="Authorization: Key $key"
json="Content-Type: application/json"

# save DIR NAME CURL-ARGS…: the reply body, as is.
save () {
  dir=$1 name=$2; shift 2
  mkdir -p "$corpus/$dir"
  curl -s -H "$auth" -H "$json" "$@" -o "$corpus/$dir/sim-$name" || true
}

plan () {
  curl -s -X POST --data "$1" "$base/_sim/plan" >/dev/null
}

submit () {
  curl -s -H "$auth" -H "$json" -X POST --data "$2" "$base/$1"
}

request_id () {
  sed -n 's/.*"request_id" *: *"\([^"]*\)".*/\1/p'
}

# A job followed through its states.
save submit submit-edit.json -X POST "$base/fal-ai/flux-pro/kontext" \
  --data '{"prompt":"Put a donut next to the flour","image_url":"https://v3.fal.media/files/x/ref.jpg","seed":15860307465884635512,"num_images":2}'
id=$(request_id <"$corpus/submit/sim-submit-edit.json")
root="$base/fal-ai/flux-pro/requests/$id"
save status status-in-queue.json "$root/status?logs=1"
save result result-early.json "$root"
sleep 0.5
save status status-in-progress.json "$root/status?logs=1"
save sse stream-to-completion.txt -N "$root/status/stream?logs=1"
save status status-completed.json "$root/status?logs=1"
save result result-two-images.json "$root"
save detail cancel-completed.json -X PUT "$root/cancel"

# Text to image, multi, and sync mode (data URIs in the result).
id=$(submit fal-ai/flux-pro/kontext/max/text-to-image '{"prompt":"A lighthouse at dusk","sync_mode":true,"output_format":"png"}' | request_id)
sleep 1.4
save result result-sync-mode.json "$base/fal-ai/flux-pro/requests/$id"
# Its image is a data URI of hundreds of kilobytes: a one-pixel one keeps
# the seed small (libFuzzer sizes its inputs after the largest seed).
pixel=$(base64 -w0 "$corpus/reference/png-1x1.png")
sed -i -E "s#(data:image/[a-z]+;base64,)[A-Za-z0-9+/=]+#\1$pixel#g" "$corpus/result/sim-result-sync-mode.json"
save submit submit-multi.json -X POST "$base/fal-ai/flux-pro/kontext/multi" \
  --data '{"prompt":"Combine them","image_urls":["https://v3.fal.media/a.jpg","https://v3.fal.media/b.png"]}'

# Errors: a 422 from the model, auth and billing, faults.
id=$(submit fal-ai/flux-pro/kontext/text-to-image '{"prompt":"A lighthouse","guidance_scale":50,"num_images":9}' | request_id)
sleep 1.4
save detail result-422.json "$base/fal-ai/flux-pro/requests/$id"
save sse stream-422-job.txt -N "$base/fal-ai/flux-pro/requests/$id/status/stream?logs=1"
curl -s -H "Authorization: Key wrong:key" -H "$json" -X POST --data '{"prompt":"x"}' \
  "$base/fal-ai/flux-pro/kontext/text-to-image" -o "$corpus/detail/sim-401.json"
plan "submit:403"
save detail 403.json -X POST "$base/fal-ai/flux-pro/kontext/text-to-image" --data '{"prompt":"x"}'
plan "submit:502"
save detail 502-html.html -X POST "$base/fal-ai/flux-pro/kontext/text-to-image" --data '{"prompt":"x"}'
plan "submit:500"
save detail 500.json -X POST "$base/fal-ai/flux-pro/kontext/text-to-image" --data '{"prompt":"x"}'
plan "submit:malformed"
save submit submit-malformed.json -X POST "$base/fal-ai/flux-pro/kontext/text-to-image" --data '{"prompt":"x"}'
plan "submit:wrong-types"
save submit submit-wrong-types.json -X POST "$base/fal-ai/flux-pro/kontext/text-to-image" --data '{"prompt":"x"}'
id=$(submit fal-ai/flux-pro/kontext/text-to-image '{"prompt":"A fox in the snow"}' | request_id)
root="$base/fal-ai/flux-pro/requests/$id"
plan "status:wrong-types"
save status status-wrong-types.json "$root/status?logs=1"
plan "status:missing-fields"
save status status-missing-fields.json "$root/status?logs=1"
save detail cancel-queued.json -X PUT "$root/cancel"
id=$(submit fal-ai/flux-pro/kontext/text-to-image '{"prompt":"A fox in the snow"}' | request_id)
root="$base/fal-ai/flux-pro/requests/$id"
sleep 1.4
plan "result:wrong-types"
save result result-wrong-types.json "$root"
plan "result:missing-fields"
save result result-missing-fields.json "$root"
plan "result:huge"
save result result-huge.json "$root"
id=$(submit fal-ai/flux-pro/kontext/text-to-image '{"prompt":"A fox in the snow"}' | request_id)
plan "stream:drop"
save sse stream-dropped.txt -N --max-time 5 "$base/fal-ai/flux-pro/requests/$id/status/stream?logs=1"

# Records as the library writes them: a completed job, a failed one, an
# unknown one (killed between submit and reply).
export FAL_KEY="$key" KS_LIBRARY_DIR="$work/library"
"$cli" generate --prompt "A red bicycle against a blue wall" --seed 7 --num-images 2 \
  --out "$work/out" --base-url "$base" >/dev/null 2>&1 || true
"$cli" edit --image "$corpus/reference/jpeg-photo.jpg" --image "$corpus/reference/png-alpha.png" \
  --prompt "Make it night" --out "$work/out" --base-url "$base" >/dev/null 2>&1 || true
"$cli" edit --image "https://v3.fal.media/files/x/ref.jpg" --prompt "Add a hat" --model max \
  --out "$work/out" --base-url "$base" >/dev/null 2>&1 || true
plan "result:expired"
"$cli" generate --prompt "A garden at noon" --out "$work/out" --base-url "$base" >/dev/null 2>&1 || true
plan "status:malformed*0, stream:malformed*0"
"$cli" generate --prompt "A broken reply" --out "$work/out" --base-url "$base" >/dev/null 2>&1 || true
plan ""
plan "submit:slow"
"$cli" generate --prompt "Killed while sending" --out "$work/out" --base-url "$base" >/dev/null 2>&1 &
cli_pid=$!
sleep 0.5
kill -9 "$cli_pid" 2>/dev/null || true
wait "$cli_pid" 2>/dev/null || true
mkdir -p "$corpus/record"
rm -f "$corpus"/record/sim-*
n=0
for f in "$work"/library/records/*.json; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  state=$(sed -n 's/.*"state" *: *"\([^"]*\)".*/\1/p' "$f" | head -n 1)
  cp "$f" "$corpus/record/sim-$n-$state.json"
done

echo "harvested into $corpus"
