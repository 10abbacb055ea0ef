// The official fal JavaScript client against our local fal-compatible
// server. Usage: node conformance.mjs http://127.0.0.1:PORT
//
// The server must have been started with the key "test:key". Every request
// the client makes to fal's hosts is rewritten to the local origin, so this
// checks that our server speaks the protocol the way the client expects.
// Output is TAP: one line per check; the exit status is non-zero on any
// failure.

import { fal, createFalClient, ApiError, ValidationError } from "@fal-ai/client";

const base = process.argv[2];
if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
  console.log("Bail out! usage: node conformance.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const local = new URL(base);

const seenUrls = [];
const toLocal = async (request) => {
  const url = new URL(request.url);
  seenUrls.push(`${request.method} ${url.host}${url.pathname}`);
  url.protocol = local.protocol;
  url.host = local.host;
  return { ...request, url: url.toString() };
};
fal.config({ credentials: "test:key", requestMiddleware: toLocal });

const EDIT = "fal-ai/flux-pro/kontext";
const TEXT_TO_IMAGE = "fal-ai/flux-pro/kontext/text-to-image";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function fetchImage(url) {
  const response = await fetch(url);
  assert(response.ok, `image download gave HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function isJpeg(bytes) {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function checkOutput(result, expectedPrompt) {
  assert(typeof result.requestId === "string" && result.requestId.length > 0, "no request id");
  const data = result.data;
  assert(Array.isArray(data.images) && data.images.length === 1, "expected one image");
  const image = data.images[0];
  assert(typeof image.url === "string", "image url missing");
  assert(Number.isInteger(image.width) && Number.isInteger(image.height), "image size missing");
  assert(image.content_type === "image/jpeg", `content_type ${image.content_type}`);
  assert(typeof data.seed === "number", "seed missing");
  assert(Array.isArray(data.has_nsfw_concepts), "has_nsfw_concepts missing");
  assert(data.prompt === expectedPrompt, "prompt not echoed");
  return image;
}

async function expectRejection(promise, check) {
  try {
    await promise;
  } catch (error) {
    check(error);
    return error;
  }
  throw new Error("the call succeeded but should have failed");
}

const checks = [
  ["subscribe, polling", async () => {
    const updates = [];
    const result = await fal.subscribe(TEXT_TO_IMAGE, {
      input: { prompt: "a lighthouse at dusk", aspect_ratio: "16:9" },
      mode: "polling",
      pollInterval: 100,
      logs: true,
      onQueueUpdate: (update) => updates.push(update.status),
    });
    const image = checkOutput(result, "a lighthouse at dusk");
    assert(image.width > image.height, "16:9 image is not wide");
    assert(updates.includes("COMPLETED"), "no COMPLETED update");
    assert(updates.some((s) => s === "IN_QUEUE" || s === "IN_PROGRESS"), "no queue or progress update");
    assert(isJpeg(await fetchImage(image.url)), "image is not a JPEG");
  }],

  ["subscribe, streaming", async () => {
    const updates = [];
    let logs = 0;
    const result = await fal.subscribe(TEXT_TO_IMAGE, {
      input: { prompt: "a red fox in snow" },
      mode: "streaming",
      logs: true,
      onQueueUpdate: (update) => {
        updates.push(update.status);
        if (Array.isArray(update.logs)) logs = Math.max(logs, update.logs.length);
      },
    });
    const image = checkOutput(result, "a red fox in snow");
    assert(updates.length >= 2, `only ${updates.length} stream updates`);
    assert(updates[updates.length - 1] === "COMPLETED", "last stream update is not COMPLETED");
    assert(logs > 0, "no log lines in the stream");
    assert(isJpeg(await fetchImage(image.url)), "image is not a JPEG");
  }],

  ["early result is an ApiError 400", async () => {
    const { request_id: requestId } = await fal.queue.submit(TEXT_TO_IMAGE, {
      input: { prompt: "not yet" },
    });
    assert(typeof requestId === "string", "submit gave no request_id");
    await expectRejection(fal.queue.result(TEXT_TO_IMAGE, { requestId }), (error) => {
      assert(error instanceof ApiError, `not an ApiError: ${error}`);
      assert(error.status === 400, `status ${error.status}`);
      assert(error.requestId === requestId, "x-fal-request-id missing on the error");
    });
  }],

  ["queue.cancel", async () => {
    const { request_id: requestId } = await fal.queue.submit(TEXT_TO_IMAGE, {
      input: { prompt: "cancel me" },
    });
    await fal.queue.cancel(TEXT_TO_IMAGE, { requestId });
    const status = await fal.queue.status(TEXT_TO_IMAGE, { requestId, logs: true });
    assert(status.status === "COMPLETED", `status ${status.status} after cancel`);
    assert(status.error_type === "request_cancelled", `error_type ${status.error_type}`);
    await expectRejection(fal.queue.cancel(TEXT_TO_IMAGE, { requestId }), (error) => {
      assert(error instanceof ApiError && error.status === 400, `second cancel: ${error}`);
      assert(error.body && error.body.status === "ALREADY_COMPLETED", "body is not ALREADY_COMPLETED");
    });
  }],

  ["422 is a ValidationError with field errors", async () => {
    await expectRejection(
      fal.subscribe(EDIT, {
        input: {
          prompt: "too much guidance",
          image_url: "https://example.com/reference.png",
          guidance_scale: 50,
          safety_tolerance: 2,
        },
        mode: "polling",
        pollInterval: 100,
      }),
      (error) => {
        assert(error instanceof ValidationError, `not a ValidationError: ${error}`);
        assert(error.status === 422, `status ${error.status}`);
        const guidance = error.getFieldErrors("guidance_scale");
        assert(guidance.length === 1, "no guidance_scale field error");
        assert(guidance[0].type === "less_than_equal", `type ${guidance[0].type}`);
        assert(error.getFieldErrors("safety_tolerance").length === 1, "no safety_tolerance field error");
      });
  }],

  ["storage upload, then the file as a reference", async () => {
    const seen = await fetchImage(`${base}/files/none`).catch(() => null);
    assert(seen === null, "an unknown file was served");
    // A reference made by the server itself, uploaded through storage.
    const first = await fal.subscribe(TEXT_TO_IMAGE, {
      input: { prompt: "a reference", aspect_ratio: "1:1" },
      mode: "polling",
      pollInterval: 100,
    });
    const bytes = await fetchImage(first.data.images[0].url);
    const url = await fal.storage.upload(new Blob([bytes], { type: "image/jpeg" }));
    assert(url.startsWith(base + "/files/"), `file_url ${url} is not on the local server`);
    const back = await fetchImage(url);
    assert(back.length === bytes.length && back.every((b, i) => b === bytes[i]),
           "uploaded bytes came back different");
    const edit = await fal.subscribe(EDIT, {
      input: { prompt: "make it warmer", image_url: url },
      mode: "polling",
      pollInterval: 100,
    });
    const image = checkOutput(edit, "make it warmer");
    assert(image.width === image.height, "a square reference gave a non-square edit");
  }],

  ["a wrong key is an ApiError 401, not retried", async () => {
    const stranger = createFalClient({ credentials: "test:wrong", requestMiddleware: toLocal });
    await expectRejection(stranger.queue.submit(TEXT_TO_IMAGE, { input: { prompt: "no" } }), (error) => {
      assert(error instanceof ApiError, `not an ApiError: ${error}`);
      assert(error.status === 401, `status ${error.status}`);
      assert(error.body && error.body.detail === "No user found for Key ID and Secret", "fal's 401 detail missing");
    });
  }],

  ["429 and 502 are retried; 504 user timeout is not", async () => {
    const stats = async () => (await (await fetch(`${base}/_sim/stats`)).json());
    const plan = async (text) => {
      const response = await fetch(`${base}/_sim/plan`, { method: "POST", body: text });
      assert(response.ok, `plan refused: HTTP ${response.status}`);
    };
    await plan("submit:429, result:502");
    const before = await stats();
    const result = await fal.subscribe(TEXT_TO_IMAGE, {
      input: { prompt: "retried" },
      mode: "polling",
      pollInterval: 100,
    });
    checkOutput(result, "retried");
    const after = await stats();
    assert(after.requests.submit - before.requests.submit === 2, "the 429 submit was not retried once");
    assert(after.requests.result - before.requests.result === 2, "the 502 result was not retried once");
    assert(after.jobs - before.jobs === 1, "a refused submit queued a job");

    await plan("submit:504");
    await expectRejection(fal.queue.submit(TEXT_TO_IMAGE, { input: { prompt: "late" } }), (error) => {
      assert(error instanceof ApiError && error.status === 504, `not a 504: ${error}`);
      assert(error.isUserTimeout, "X-Fal-Request-Timeout-Type: user not seen");
    });
    const last = await stats();
    assert(last.requests.submit - after.requests.submit === 1, "a user timeout was retried");
    await plan("");
  }],

  ["requests went to fal's hosts, rewritten", async () => {
    assert(seenUrls.some((u) => u.startsWith("POST queue.fal.run/fal-ai/flux-pro/kontext")), "no submit seen");
    assert(seenUrls.some((u) => u.includes("/fal-ai/flux-pro/requests/") && u.endsWith("/status")), "no status seen");
    assert(seenUrls.some((u) => u.endsWith("/status/stream")), "no stream seen");
    assert(seenUrls.some((u) => u.startsWith("POST rest.fal.ai/storage/upload/initiate")), "no storage initiate seen");
  }],
];

let failures = 0;
console.log(`1..${checks.length}`);
for (const [index, [name, run]] of checks.entries()) {
  try {
    await run();
    console.log(`ok ${index + 1} - ${name}`);
  } catch (error) {
    failures++;
    const detail = String(error && error.stack ? error.stack : error).split("\n").join("\n# ");
    console.log(`not ok ${index + 1} - ${name}\n# ${detail}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
