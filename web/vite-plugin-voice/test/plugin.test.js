// Runs a real Vite dev server (in-process, free port) with the plugin and a fake `voice` launcher.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import voiceBroker, { findVoiceCommand, redactSecrets, runLauncher } from "../index.js";
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
      plugin: voiceBroker({ voiceCommand: voice, env: { FAKE_VOICE_RECORD: recordFile, FAKE_EXTRA: "extra-ok" } }),
    }));
  });

  after(async () => {
    await server?.close();
    if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedKey;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("POST runs [voice, start-request] and relays the launcher's answer", async () => {
    setMode("ok");
    const before = records().length;
    const res = await post(port, { origin: `http://127.0.0.1:${port}`, body: '{"hello":"world"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { ok: true, url: "http://127.0.0.1:8099", token: "broker-token-for-tests", keyed: true, already: false });
    assert.deepEqual(res.headers["content-type"], ["application/json"]);
    assert.deepEqual(res.headers["cache-control"], ["no-store"]);
    assert.deepEqual(res.headers["x-content-type-options"], ["nosniff"]);
    assertNoCors(res);

    const all = records();
    assert.equal(all.length, before + 1);
    const rec = all.at(-1);
    assert.deepEqual(rec.argv, [voice, "start-request"], "argv is exactly [voiceCommand, start-request]");
    assert.equal(rec.cwd, path.dirname(voice));
    assert.equal(rec.key, KEY, "the key reaches the launcher through its environment");
    assert.ok(!rec.argv.some((a) => a.includes(KEY)), "the key is not in argv");
    if (rec.cmdline) assert.ok(!rec.cmdline.some((a) => a.includes(KEY)), "the key is not on the exec command line");
    assert.ok(!rec.stdin.includes(KEY), "the key is not on stdin");
    assert.equal(rec.extra, "extra-ok", "options.env reaches the launcher");

    const input = JSON.parse(rec.stdin);
    const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`];
    assert.deepEqual(input.config, {
      allowedOrigins: origins,
      allowedHosts: [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`],
      dashboardTokenHeader: null,
      dashboardTokenFile: null,
    });
    assert.equal(rec.origins, origins.join(","), "VOICE_ALLOWED_ORIGINS is the dev server's own origins");
    assert.equal(input.request.method, "POST");
    assert.match(input.request.peer, /^(::ffff:)?127\.0\.0\.1$/);
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
      const headers = JSON.parse(records().at(-1).stdin).request.headers;
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
    const h2 = JSON.parse(records().at(-1).stdin).request.headers;
    assert.deepEqual(h2.origin, [`http://localhost:${port}`, "http://evil.example"]);
    assert.deepEqual(h2["x-dup"], ["one", "two"]);
  });

  test("GET, OPTIONS and other methods get 405 JSON without spawning", async () => {
    setMode("ok");
    const before = records().length;
    for (const method of ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]) {
      const headers = [["Origin", "http://evil.example"]];
      if (method === "OPTIONS") headers.push(["Access-Control-Request-Method", "POST"], ["Access-Control-Request-Headers", "content-type,x-dashboard-token"]);
      const res = await rawRequest(port, { method, target: "/__start_voice", headers });
      assert.equal(res.status, 405, method);
      assert.deepEqual(res.headers.allow, ["POST"]);
      assert.deepEqual(res.headers["cache-control"], ["no-store"]);
      assertNoCors(res);
      if (method !== "HEAD") assert.equal(res.json.error, "method_not_allowed");
    }
    assert.equal(records().length, before, "no launcher was spawned");
  });

  test("server.cors is really on elsewhere, and is stripped from the launcher route", async () => {
    setMode("ok");
    const elsewhere = await rawRequest(port, {
      method: "OPTIONS",
      target: "/",
      headers: [["Origin", "http://evil.example"], ["Access-Control-Request-Method", "POST"]],
    });
    assert.ok(elsewhere.headers["access-control-allow-origin"], "control: Vite answers CORS on other routes");

    const res = await post(port, { origin: "http://evil.example" });
    assert.equal(res.status, 200); // the fake launcher allows everything; the real one refuses this origin
    assertNoCors(res);
    const input = JSON.parse(records().at(-1).stdin);
    assert.deepEqual(input.request.headers.origin, ["http://evil.example"], "the foreign origin is passed on for Java to refuse");
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
    const input = JSON.parse(records().at(-1).stdin);
    assert.equal(input.request.bodyTooLarge, true);
    assert.equal(input.request.body, "");
  });

  test("a body of exactly 16 KiB is passed whole", async () => {
    setMode("ok");
    const body = JSON.stringify({ pad: "y".repeat(16 * 1024 - 10) });
    assert.equal(Buffer.byteLength(body), 16 * 1024);
    await post(port, { body });
    const input = JSON.parse(records().at(-1).stdin);
    assert.equal(input.request.body, body);
    assert.equal("bodyTooLarge" in input.request, false);
  });

  test("log lines before the JSON answer are tolerated", async () => {
    setMode("logs-then-json");
    const res = await post(port, {});
    assert.equal(res.status, 200);
    assert.equal(res.json.ok, true);
  });

  test("a launcher printing no JSON gives 500 launcher_failed", async () => {
    setMode("garbage");
    const res = await post(port, {});
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.equal(res.json.hint, "run ./voice doctor");
    assert.deepEqual(res.headers["cache-control"], ["no-store"]);
    assertNoCors(res);
  });

  test("a crashing launcher gives 500 launcher_failed with a redacted stderr tail", async () => {
    setMode("crash");
    const res = await post(port, { origin: "http://evil.example" });
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.equal(res.json.hint, "run ./voice doctor");
    assert.match(res.json.message, /exited with code 3/);
    assert.ok(!res.text.includes(KEY), "the key is redacted");
    assert.ok(!res.text.includes("ek_abcDEF123456"), "client secrets are redacted");
    assert.ok(!res.text.includes("sometoken123"), "bearer credentials are redacted");
    assert.match(res.json.stderr, /^java\.lang\.IllegalStateException: boom with OPENAI_API_KEY=sk-… and secret ek_… Bearer …$/);
    assertNoCors(res);
  });

  test("valid JSON with a non-zero exit is still a failure", async () => {
    setMode("json-then-fail");
    const res = await post(port, {});
    assert.equal(res.status, 500);
    assert.equal(res.json.error, "launcher_failed");
    assert.ok(!("token" in res.json));
  });

  test("concurrent clicks each spawn a launcher", async () => {
    setMode("ok");
    const before = records().length;
    const answers = await Promise.all([post(port, {}), post(port, {}), post(port, {})]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.equal(records().length, before + 3);
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
      assert.equal(findVoiceCommand(root), voice);

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
        const rec = readRecords(recordFile).at(-1);
        assert.deepEqual(rec.argv, [voice, "start-request"]);
        assert.equal(rec.cwd, repo);
        const input = JSON.parse(rec.stdin);
        assert.deepEqual(input.config.allowedOrigins, ["http://localhost:5173", "http://dash.localhost:5173"]);
        assert.deepEqual(input.config.allowedHosts, [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost:5173", "dash.localhost:5173"]);
        assert.equal(input.config.dashboardTokenHeader, "x-dashboard-token");
        assert.equal(input.config.dashboardTokenFile, path.join(root, "token.txt"));
        assert.deepEqual(input.request.headers["x-dashboard-token"], ["abc"]);
        assert.equal(rec.origins, "http://localhost:5173,http://dash.localhost:5173");
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test("no launcher found: 500 launcher_failed, nothing spawned", async () => {
    const vite = await loadVite();
    const dir = tempDir("voice-none-");
    try {
      fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
      const { server, port } = await startVite(vite, { root: dir, plugin: voiceBroker({ voiceCommand: path.join(dir, "missing-voice") }) });
      try {
        const res = await post(port, {});
        assert.equal(res.status, 500);
        assert.equal(res.json.error, "launcher_failed");
        assert.equal(res.json.hint, "run ./voice doctor");
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

describe("runLauncher and redaction", () => {
  test("a launcher that never answers is killed and reported", async () => {
    const dir = tempDir("voice-hang-");
    try {
      const cmd = path.join(dir, "voice");
      fs.writeFileSync(cmd, `#!${process.execPath}\nsetTimeout(() => {}, 60000);\n`, { mode: 0o755 });
      const started = Date.now();
      const answer = await runLauncher({ command: cmd, cwd: dir, env: { ...process.env }, input: {}, timeoutMs: 500 });
      assert.equal(answer.status, 500);
      assert.equal(answer.body.error, "launcher_failed");
      assert.match(answer.body.message, /did not answer/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a grandchild holding stdout open does not hold the answer", async () => {
    const dir = tempDir("voice-grand-");
    try {
      const cmd = path.join(dir, "voice");
      fs.writeFileSync(
        cmd,
        `#!/bin/sh\nsleep 5 &\nprintf '%s\\n' '{"status":200,"body":{"ok":true,"url":"http://127.0.0.1:8099","token":"t","keyed":false,"already":true}}'\nexit 0\n`,
        { mode: 0o755 },
      );
      const started = Date.now();
      const answer = await runLauncher({ command: cmd, cwd: dir, env: { ...process.env }, input: {}, timeoutMs: 10_000 });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.already, true);
      assert.ok(Date.now() - started < 4000, "answered within the grace period, not after the grandchild");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("redactSecrets masks keys, client secrets, bearer values and literal secrets", () => {
    assert.equal(redactSecrets("k=sk-proj-AbC_123 e=ek_68abc-XYZ auth: Bearer abc.def"), "k=sk-… e=ek_… auth: Bearer …");
    assert.equal(redactSecrets("key is hunter2hunter2!", ["hunter2hunter2"]), "key is …!");
  });
});
