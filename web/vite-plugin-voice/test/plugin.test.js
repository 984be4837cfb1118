// Runs a real Vite dev server (in-process, free port) with the plugin and a fake warm `voice launcher`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

import voiceBroker from "../index.js";
import { findLauncher } from "../launcher.js";
import { redactWith } from "../../voice-client/redact.js";
import { freePort, loadVite, rawRequest, readRecords, tempDir, writeFakeVoice } from "./helpers.js";

const KEY = `sk-test-${randomBytes(16).toString("hex")}`;
const savedKey = process.env.OPENAI_API_KEY;

async function startVite(vite, { root, plugin, cors = true }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startViteOnce(vite, { root, plugin, cors, port: await freePort() });
    } catch (err) {
      if (attempt >= 5 || !/already in use/.test(String(err?.message))) throw err;
    }
  }
}

async function startViteOnce(vite, { root, plugin, cors, port: wanted }) {
  const server = await vite.createServer({
    configFile: false,
    envFile: false,
    root,
    logLevel: "silent",
    clearScreen: false,
    appType: "spa",
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: "127.0.0.1", port: wanted, strictPort: true, cors, ws: false, watch: null },
    plugins: [plugin],
  });
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    throw err;
  }
  const address = server.httpServer.address();
  assert.equal(address.port, wanted);
  return { server, port: address.port };
}

function post(port, { origin, extraHeaders = [], body = "{}" } = {}) {
  const headers = [["Content-Type", "application/json"], ["Sec-Fetch-Site", "same-origin"]];
  if (origin) headers.push(["Origin", origin]);
  headers.push(...extraHeaders);
  return rawRequest(port, { method: "POST", target: "/__start_voice", headers, body });
}

async function waitFor(condition, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function assertNoCors(res) {
  const leaked = Object.keys(res.headers).filter((h) => h.startsWith("access-control-"));
  assert.deepEqual(leaked, [], `CORS headers leaked: ${leaked.join(", ")}`);
}

describe("voiceBroker plugin on a real Vite dev server", () => {
  let vite;
  let dir;
  let voice;
  let recordFile;
  let modeFile;
  let server;
  let port;

  const setMode = (mode) => fs.writeFileSync(modeFile, mode);
  const records = () => readRecords(recordFile);
  const spawns = () => readRecords(recordFile, "spawn");

  before(async () => {
    vite = await loadVite();
    process.env.OPENAI_API_KEY = KEY;
    dir = tempDir("voice-plugin-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    voice = writeFakeVoice(path.join(bin, "voice"));
    modeFile = path.join(bin, "mode");
    recordFile = path.join(dir, "records.jsonl");
    const root = path.join(dir, "app");
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>t</title>");
    ({ server, port } = await startVite(vite, {
      root,
      plugin: voiceBroker({ voiceCommand: voice, env: { FAKE_VOICE_RECORD: recordFile, FAKE_EXTRA: "extra-ok" }, launcherTimeoutMs: 1500 }),
    }));
  });

  after(async () => {
    await server?.close();
    if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedKey;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("one warm launcher is started with the dev server, [voice, launcher], key by environment only", async () => {
    await waitFor(() => spawns().length === 1);
    const [spawned] = spawns();
    assert.deepEqual(spawned.argv, [voice, "launcher"], "argv is exactly [voiceCommand, launcher]");
    assert.equal(spawned.cwd, path.dirname(voice));
    assert.equal(spawned.key, KEY, "the key reaches the launcher through its environment");
    assert.ok(!spawned.argv.some((a) => a.includes(KEY)), "the key is not in argv");
    if (spawned.cmdline) assert.ok(!spawned.cmdline.some((a) => a.includes(KEY)), "the key is not on the exec command line");
    assert.equal(spawned.extra, "extra-ok", "options.env reaches the launcher");
    assert.equal(spawned.origins, null, "origins travel with each request, not in the environment");
  });

  test("POST is one line to the warm launcher, whose answer is relayed; no process is started", async () => {
    setMode("ok");
    await waitFor(() => spawns().length === 1);
    const before = records().length;
    const res = await post(port, { origin: `http://127.0.0.1:${port}`, body: '{"hello":"world"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true, url: "http://127.0.0.1:8099", token: "broker-token-for-tests", keyed: true, already: false });
    assert.deepEqual(res.headers["content-type"], ["application/json"]);
    assert.deepEqual(res.headers["cache-control"], ["no-store"]);
    assert.deepEqual(res.headers["x-content-type-options"], ["nosniff"]);
    assertNoCors(res);
    assert.equal(spawns().length, 1, "the click started no process");

    const all = records();
    assert.equal(all.length, before + 1);
    const { input, line } = all.at(-1);
    assert.ok(!line.includes(KEY), "the key is not in the request line");
    assert.ok(Number.isInteger(input.id));
    const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`];
    assert.deepEqual(input.config, {
      allowedOrigins: origins,
      allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`],
      dashboardTokenHeader: null,
      dashboardTokenFile: null,
    });
    assert.equal(input.request.method, "POST");
    assert.match(input.request.peer, /^(::ffff:)?127\.0\.0\.1$/);
    assert.ok(Number.isInteger(input.request.peerPort), "the peer's port, for the launcher's same-user check");
    assert.match(input.request.localAddress, /^(::ffff:)?127\.0\.0\.1$/);
    assert.equal(input.request.localPort, port);
    assert.deepEqual(input.request.headers.host, [`127.0.0.1:${port}`]);
    assert.deepEqual(input.request.headers.origin, [`http://127.0.0.1:${port}`]);
    assert.deepEqual(input.request.headers["sec-fetch-site"], ["same-origin"]);
    assert.deepEqual(input.request.headers["content-type"], ["application/json"]);
    assert.equal(input.request.body, '{"hello":"world"}');
    assert.equal("bodyTooLarge" in input.request, false);
    for (const [name, values] of Object.entries(input.request.headers)) {
      assert.equal(name, name.toLowerCase());
      assert.ok(Array.isArray(values), `${name} is an array`);
    }
  });

  test("each connection has a name of its own, the same for every request on it, for the launcher's same-user verdict", async () => {
    setMode("ok");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const click = () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { port, method: "POST", path: "/__start_voice", agent,
            headers: { "content-type": "application/json", "sec-fetch-site": "same-origin", origin: `http://127.0.0.1:${port}` } },
          (res) => { res.resume(); res.on("end", () => resolve(res.statusCode)); },
        );
        req.on("error", reject);
        req.end("{}");
      });
    const before = records().length;
    assert.equal(await click(), 200);
    assert.equal(await click(), 200);
    agent.destroy();
    assert.equal((await post(port, { origin: `http://127.0.0.1:${port}` })).status, 200);
    const [first, second, other] = records().slice(before).map((r) => r.input.request.connection);
    assert.match(first, /^[0-9a-f-]{36}:\d+$/, "a random per-server prefix and a counter");
    assert.equal(second, first, "two clicks on one kept-alive connection carry one name");
    assert.notEqual(other, first, "another connection gets another name");
  });

  test("why the launcher replaced a broker goes to the dev server's log, not to the page", async () => {
    setMode("restarted");
    const res = await post(port, {});
    assert.equal(res.status, 200);
    assert.equal("restarted" in res.json, false);
  });

  test("duplicate Host, Origin and other headers reach the launcher as arrays", async () => {
    setMode("ok");
    const res = await rawRequest(port, {
      method: "POST",
      target: "/__start_voice",
      headers: [
        ["Host", `localhost:${port}`],
        ["Host", "evil.example"],
        ["Origin", `http://localhost:${port}`],
        ["Origin", "http://evil.example"],
        ["X-Dup", "one"],
        ["X-Dup", "two"],
        ["Content-Type", "application/json"],
      ],
      body: "{}",
    });
    // Node may refuse a request with two Host headers outright (400); if it got through, Java must see both.
    assert.ok(res.status === 200 || res.status === 400, `status ${res.status}`);
    if (res.status === 200) {
      const headers = records().at(-1).input.request.headers;
      assert.deepEqual(headers.host, [`localhost:${port}`, "evil.example"]);
      assert.deepEqual(headers.origin, [`http://localhost:${port}`, "http://evil.example"]);
      assert.deepEqual(headers["x-dup"], ["one", "two"]);
    }

    const res2 = await rawRequest(port, {
      method: "POST",
      target: "/__start_voice",
      headers: [
        ["Origin", `http://localhost:${port}`],
        ["Origin", "http://evil.example"],
        ["X-Dup", "one"],
        ["X-Dup", "two"],
        ["Content-Type", "application/json"],
      ],
      body: "{}",
    });
    assert.equal(res2.status, 200);
    const h2 = records().at(-1).input.request.headers;
    assert.deepEqual(h2.origin, [`http://localhost:${port}`, "http://evil.example"]);
    assert.deepEqual(h2["x-dup"], ["one", "two"]);
  });

  test("GET, PUT and other methods get 405 JSON without asking the launcher", async () => {
    setMode("ok");
    const before = records().length;
    for (const method of ["GET", "HEAD", "PUT", "DELETE"]) {
      const res = await rawRequest(port, { method, target: "/__start_voice", headers: [["Origin", "http://evil.example"]] });
      assert.equal(res.status, 405, method);
      assert.deepEqual(res.headers.allow, ["POST"]);
      assert.deepEqual(res.headers["cache-control"], ["no-store"]);
      assertNoCors(res);
      if (method !== "HEAD") assert.equal(res.json.error, "method_not_allowed");
    }
    assert.equal(records().length, before, "the launcher was not asked");
  });

  test("server.cors may answer a preflight to the route; the POST still carries no CORS headers", async () => {
    setMode("ok");
    const preflight = await rawRequest(port, {
      method: "OPTIONS",
      target: "/__start_voice",
      headers: [["Origin", "http://evil.example"], ["Access-Control-Request-Method", "POST"]],
    });
    assert.ok(preflight.headers["access-control-allow-origin"], "control: Vite's cors middleware runs before the plugin's");

    const res = await post(port, { origin: "http://evil.example" });
    assert.equal(res.status, 200); // the fake launcher allows everything; the real one refuses this origin
    assertNoCors(res);
    assert.deepEqual(records().at(-1).input.request.headers.origin, ["http://evil.example"], "the foreign origin is passed on for Java to refuse");
  });

  test("the launcher's refusal is relayed with its status", async () => {
    setMode("forbid");
    const res = await post(port, { origin: "http://evil.example" });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, { error: "forbidden_origin", message: "origin not allowed", hint: "open the dashboard from its dev server" });
    assertNoCors(res);
  });

  test("a body over 16 KiB is not read; the launcher is told bodyTooLarge", async () => {
    setMode("ok");
    await post(port, { body: JSON.stringify({ pad: "x".repeat(20 * 1024) }) });
    const { input } = records().at(-1);
    assert.equal(input.request.bodyTooLarge, true);
    assert.equal(input.request.body, "");
  });

  test("a body of exactly 16 KiB is passed whole", async () => {
    setMode("ok");
    const body = JSON.stringify({ pad: "y".repeat(16 * 1024 - 10) });
    assert.equal(Buffer.byteLength(body), 16 * 1024);
    await post(port, { body });
    const { input } = records().at(-1);
    assert.equal(input.request.body, body);
    assert.equal("bodyTooLarge" in input.request, false);
  });

  test("the launcher's progress lines on stderr do not disturb its answers", async () => {
    setMode("progress-then-ok");
    const res = await post(port, {});
    assert.equal(res.status, 200);
    assert.equal(res.json.ok, true);
  });

  test("an answer that is not an answer gives 500 launcher_failed", async () => {
    setMode("bad-answer");
    const res = await post(port, {});
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.match(res.json.hint, /doctor/);
    assert.deepEqual(res.headers["cache-control"], ["no-store"]);
    assertNoCors(res);
  });

  test("a launcher that does not answer in time gives 500 launcher_failed", async () => {
    setMode("hang");
    const res = await post(port, {});
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.match(res.json.message, /did not answer within/);
  });

  test("a request whose launcher ends before answering goes once to a new launcher", async () => {
    setMode("die-once");
    const spawned = spawns().length;
    const res = await post(port, {});
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.ok, true);
    assert.equal(spawns().length, spawned + 1, "one new launcher answered it");
    setMode("ok");
  });

  test("concurrent clicks go to the one launcher", async () => {
    setMode("ok");
    const launchers = spawns().length;
    const before = records().length;
    const answers = await Promise.all([post(port, {}), post(port, {}), post(port, {})]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.equal(records().length, before + 3);
    assert.equal(new Set(records().slice(-3).map((r) => r.input.id)).size, 3, "each request has its own id");
    assert.equal(new Set(records().slice(-3).map((r) => r.pid)).size, 1, "all went to one launcher");
    assert.equal(spawns().length, launchers, "no launcher was started for them");
  });

  test("a crashing launcher gives 500 launcher_failed with a redacted stderr tail, and the next click starts a new one", async () => {
    setMode("crash");
    const res = await post(port, { origin: "http://evil.example" });
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.match(res.json.hint, /voice doctor/);
    assert.match(res.json.message, /exited with code 3/);
    assert.ok(!res.text.includes(KEY), "the key is redacted");
    assert.ok(!res.text.includes("ek_abcDEF123456"), "client secrets are redacted");
    assert.ok(!res.text.includes("sometoken123"), "bearer credentials are redacted");
    assert.match(res.json.stderr, /java\.lang\.IllegalStateException: boom with OPENAI_API_KEY=sk-… and secret ek_… Bearer …$/);
    assertNoCors(res);

    setMode("ok");
    const spawned = spawns().length;
    const again = await post(port, {});
    assert.equal(again.status, 200);
    assert.equal(spawns().length, spawned + 1, "a launcher that died young is started again on the next click");
  });

  test("other paths are left to Vite and spawn nothing", async () => {
    setMode("ok");
    const before = records().length;
    for (const target of ["/__start_voice/x", "/__start_voice2", "/x/__start_voice"]) {
      await rawRequest(port, { method: "POST", target, headers: [["Content-Type", "application/json"]], body: "{}" });
    }
    assert.equal(records().length, before);
    const withQuery = await post(port, {});
    assert.equal(withQuery.status, 200);
  });
});

describe("voiceCommand discovery, explicit options", () => {
  test("finds ./voice beside pom.xml above Vite's root and passes explicit origins and token settings", async () => {
    const vite = await loadVite();
    const repo = tempDir("voice-repo-");
    try {
      fs.writeFileSync(path.join(repo, "pom.xml"), "<project/>");
      const voice = writeFakeVoice(path.join(repo, "voice"));
      fs.writeFileSync(path.join(repo, "mode"), "ok");
      const root = path.join(repo, "examples", "dashboard");
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>t</title>");
      // A `voice` without pom.xml on the way up must be skipped.
      fs.writeFileSync(path.join(repo, "examples", "voice"), "#!/bin/sh\nexit 9\n", { mode: 0o755 });
      assert.deepEqual(findLauncher(root), { command: voice, cwd: repo });

      const recordFile = path.join(repo, "records.jsonl");
      const { server, port } = await startVite(vite, {
        root,
        plugin: voiceBroker({
          env: { FAKE_VOICE_RECORD: recordFile },
          allowedOrigins: ["http://localhost:5173", "http://dash.localhost:5173"],
          dashboardTokenHeader: "X-Dashboard-Token",
          dashboardTokenFile: "token.txt",
        }),
      });
      try {
        const res = await post(port, { extraHeaders: [["X-Dashboard-Token", "abc"]] });
        assert.equal(res.status, 200);
        const spawned = readRecords(recordFile, "spawn").at(-1);
        assert.deepEqual(spawned.argv, [voice, "launcher"]);
        assert.equal(spawned.cwd, repo);
        const { input } = readRecords(recordFile).at(-1);
        assert.deepEqual(input.config.allowedOrigins, ["http://localhost:5173", "http://dash.localhost:5173"]);
        assert.deepEqual(input.config.allowedHosts, [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost:5173", "dash.localhost:5173"]);
        assert.equal(input.config.dashboardTokenHeader, "x-dashboard-token");
        assert.equal(input.config.dashboardTokenFile, path.join(root, "token.txt"));
        assert.deepEqual(input.request.headers["x-dashboard-token"], ["abc"]);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test("a launcher that cannot be run: 500 launcher_failed naming why", async () => {
    const vite = await loadVite();
    const dir = tempDir("voice-none-");
    try {
      fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
      const { server, port } = await startVite(vite, { root: dir, plugin: voiceBroker({ voiceCommand: path.join(dir, "missing-voice") }) });
      try {
        const res = await post(port, {});
        assert.equal(res.status, 500);
        assert.equal(res.json.error, "launcher_failed");
        assert.match(res.json.message, /ENOENT/);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("secrets and bad values in options are refused", () => {
    assert.throws(() => voiceBroker({ env: { OPENAI_API_KEY: "x" } }), /secret/);
    assert.throws(() => voiceBroker({ env: { SOMETHING: "sk-abc123" } }), /secret/);
    assert.throws(() => voiceBroker({ env: { VOICE_ALLOWED_ORIGINS: "http://x" } }), /allowedOrigins/);
    assert.throws(() => voiceBroker({ allowedOrigins: ["http://localhost:5173/"] }), /exact/);
    assert.throws(() => voiceBroker({ allowedOrigins: ["null"] }), /origin/);
    assert.throws(() => voiceBroker({ dashboardTokenHeader: "bad header" }), /header/);
    assert.doesNotThrow(() => voiceBroker({ allowedOrigins: ["http://localhost:5173"], env: { VOICE_LOG: "debug" } }));
  });
});

describe("no launcher at all", () => {
  test("500 launcher_failed with a hint that does not send the user to a command they lack", async () => {
    const vite = await loadVite();
    const dir = tempDir("voice-nolauncher-");
    try {
      fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
      const { server, port } = await startVite(vite, { root: dir, plugin: voiceBroker() });
      try {
        const res = await post(port, {});
        assert.equal(res.status, 500);
        assert.equal(res.json.error, "launcher_failed");
        assert.match(res.json.hint, /voiceCommand/);
        assert.doesNotMatch(res.json.hint, /doctor/);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("redaction", () => {
  test("redactWith masks keys, client secrets, bearer values and literal secrets", () => {
    assert.equal(redactWith("k=sk-proj-AbC_123 e=ek_68abc-XYZ auth: Bearer abc.def", []), "k=sk-… e=ek_… auth: Bearer …");
    assert.equal(redactWith("key is hunter2hunter2!", ["hunter2hunter2"]), "key is …!");
  });
});
