// The dashboard's own .env reaches the launcher: read as Vite reads it, only the broker's variables, under the
// real environment, by environment and never by argv.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import voiceBroker from "../index.js";
import { ENVIRONMENT_ONLY, dashboardEnv, launcherEnv } from "../dashboard-env.js";
import { freePort, loadVite, rawRequest, tempDir, writeFakeVoice } from "./helpers.js";

function write(dir, files) {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

describe("dashboardEnv", () => {
  let dir;
  before(() => {
    dir = tempDir("voice-dotenv-");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("later Vite files win: .env < .env.local < .env.[mode] < .env.[mode].local", () => {
    write(dir, {
      ".env": "OPENAI_API_KEY=sk-test-from-env\nVOICE_PORT=1111\nOPENAI_BASE_URL=https://a.example\nVOICE_SECRET_TTL=60\n",
      ".env.local": "VOICE_PORT=2222\n",
      ".env.development": "OPENAI_BASE_URL=https://b.example\n",
      ".env.development.local": "VOICE_SECRET_TTL=90\n",
      ".env.production": "VOICE_PORT=9999\n",
    });
    assert.deepEqual(dashboardEnv({ envDir: dir, mode: "development" }), {
      OPENAI_API_KEY: "sk-test-from-env",
      VOICE_PORT: "2222",
      OPENAI_BASE_URL: "https://b.example",
      VOICE_SECRET_TTL: "90",
    });
  });

  test("only the broker's variables leave the dashboard's .env", () => {
    const only = tempDir("voice-dotenv-only-");
    try {
      write(only, { ".env": "DATABASE_URL=postgres://secret@db\nVITE_TITLE=x\nHTTPS_PROXY=http://proxy:3128\nVOICE_MODELS=gpt-realtime\n" });
      assert.deepEqual(dashboardEnv({ envDir: only, mode: "development" }), { HTTPS_PROXY: "http://proxy:3128", VOICE_MODELS: "gpt-realtime" });
    } finally {
      fs.rmSync(only, { recursive: true, force: true });
    }
  });

  test("a .env that sets a variable only the real environment may set is refused, as the broker's own .env is", () => {
    for (const name of ENVIRONMENT_ONLY) {
      const only = tempDir("voice-dotenv-envonly-");
      try {
        write(only, { ".env.local": `${name}=0.0.0.0\n` });
        assert.throws(() => dashboardEnv({ envDir: only, mode: "development" }), (err) => {
          assert.equal(err.code, "env_file_not_allowed");
          assert.match(err.message, new RegExp(`${name} is set in .*\\.env\\.local`));
          return true;
        });
      } finally {
        fs.rmSync(only, { recursive: true, force: true });
      }
    }
  });

  test("the real environment wins over every file; no envDir or no files means nothing", () => {
    write(dir, { ".env": "OPENAI_API_KEY=sk-test-from-file\n" });
    assert.equal(launcherEnv({ envDir: dir, mode: "development" }, { OPENAI_API_KEY: "sk-test-from-shell" }).OPENAI_API_KEY, "sk-test-from-shell");
    assert.deepEqual(dashboardEnv({ envDir: null, mode: "development" }), {});
    assert.deepEqual(dashboardEnv({ envDir: path.join(dir, "missing"), mode: "development" }), {});
  });
});

describe("the plugin passes the dashboard's .env to the launcher", () => {
  test("a key in the Vite root's .env reaches the launcher's environment, not its argv", async () => {
    const vite = await loadVite();
    const dir = tempDir("voice-dotenv-plugin-");
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    const key = "sk-test-dashboard-dotenv-0123456789abcdef";
    let server;
    try {
      const voice = writeFakeVoice(path.join(dir, "voice"));
      const recordFile = path.join(dir, "records.jsonl");
      const root = path.join(dir, "app");
      fs.mkdirSync(root);
      write(root, { "index.html": "<!doctype html>", ".env": `OPENAI_API_KEY=${key}\n` });
      server = await vite.createServer({
        configFile: false,
        root,
        logLevel: "silent",
        appType: "custom",
        optimizeDeps: { noDiscovery: true, include: [] },
        server: { host: "127.0.0.1", port: await freePort(), strictPort: true, ws: false, watch: null },
        plugins: [voiceBroker({ voiceCommand: voice, env: { FAKE_VOICE_RECORD: recordFile } })],
      });
      await server.listen();
      const port = server.httpServer.address().port;
      const res = await rawRequest(port, {
        method: "POST",
        target: "/__start_voice",
        headers: [["Content-Type", "application/json"], ["Origin", `http://127.0.0.1:${port}`], ["Sec-Fetch-Site", "same-origin"]],
        body: "{}",
      });
      assert.equal(res.status, 200, res.text);
      // The fake launcher records the environment it was started with: the record that has a `key`.
      const rec = fs.readFileSync(recordFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)).find((r) => "key" in r);
      assert.equal(rec.key, key);
      assert.ok(!JSON.stringify(rec.argv).includes(key) && !JSON.stringify(rec.cmdline).includes(key), "never on the command line");
    } finally {
      await server?.close();
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
