// `vite preview` serves the built page without the launcher: the page's client must say so, and what to do in
// production, instead of telling the user to add a plugin that is already there.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import voiceBroker from "../index.js";
import { startBroker } from "../../voice-client/index.js";
import { freePort, loadVite, tempDir } from "./helpers.js";

test("under vite preview, startBroker() answers launcher_missing with a hint about dev-only and production", async () => {
  const vite = await loadVite();
  const root = tempDir("voice-preview-");
  const config = { root, configFile: false, logLevel: "silent", plugins: [voiceBroker({ voiceCommand: path.join(root, "voice") })] };
  let server;
  try {
    fs.writeFileSync(path.join(root, "index.html"), "<!doctype html><title>built</title>");
    await vite.build({ ...config, build: { outDir: path.join(root, "dist") } });
    server = await vite.preview({ ...config, build: { outDir: path.join(root, "dist") },
      preview: { host: "127.0.0.1", port: await freePort(), strictPort: true } });
    const endpoint = new URL("/__start_voice", server.resolvedUrls.local[0]).href;
    await assert.rejects(startBroker({ endpoint }), (err) => {
      assert.equal(err.code, "launcher_missing");
      assert.match(err.hint, /only in the Vite dev server/);
      assert.match(err.hint, /Production/);
      assert.doesNotMatch(err.hint, /^add voiceBroker/);
      return true;
    });
  } finally {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
