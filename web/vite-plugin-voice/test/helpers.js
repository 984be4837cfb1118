// Test helpers: find vite from the install root, write a fake `voice` launcher, speak raw HTTP/1.1.

import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The plugin has no runtime dependency on vite, so vite is installed only at the one install root
 * (examples/dashboard). Resolve it from the current directory (npm test there), else from that root.
 */
export async function loadVite() {
  const roots = [process.cwd(), path.resolve(here, "../../../examples/dashboard")];
  for (const root of roots) {
    try {
      const entry = createRequire(path.join(root, "package.json")).resolve("vite");
      return await import(pathToFileURL(entry).href);
    } catch {
      // try the next root
    }
  }
  throw new Error("vite not found: run `npm ci` in examples/dashboard, then `npm test` there");
}

/** A currently free loopback port. (Vite treats `port: 0` as "use the default 5173", so tests pick their own.) */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix) {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/**
 * Writes an executable fake warm launcher at `file`, speaking the line protocol of `voice launcher`. It records
 * one {type:"spawn"} line in $FAKE_VOICE_RECORD when it starts (argv, selected env, cwd, /proc cmdline) and one
 * {type:"request"} line per request, then answers as the `mode` file beside it says at that moment.
 */
export function writeFakeVoice(file) {
  const script = `#!${process.execPath}
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const record = (r) => fs.appendFileSync(process.env.FAKE_VOICE_RECORD, JSON.stringify(r) + "\\n");
let cmdline = null;
try { cmdline = fs.readFileSync("/proc/self/cmdline", "utf8").split("\\0").filter(Boolean); } catch {}
record({
  type: "spawn",
  pid: process.pid,
  argv: process.argv.slice(1),
  cmdline,
  cwd: process.cwd(),
  key: process.env.OPENAI_API_KEY ?? null,
  origins: process.env.VOICE_ALLOWED_ORIGINS ?? null,
  extra: process.env.FAKE_EXTRA ?? null,
});
const say = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
say({ ready: true, pid: process.pid });
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const modeFile = path.join(__dirname, "mode");
  const mode = fs.existsSync(modeFile) ? fs.readFileSync(modeFile, "utf8").trim() : "ok";
  record({ type: "request", pid: process.pid, line });
  const { id } = JSON.parse(line);
  const ok = { ok: true, url: "http://127.0.0.1:8099", token: "broker-token-for-tests", keyed: true, already: false };
  switch (mode) {
    case "ok":
      return say({ id, status: 200, body: ok });
    case "restarted":
      return say({ id, status: 200, body: { ...ok, restarted: "the OpenAI key differs" } });
    case "forbid":
      return say({ id, status: 403, body: { error: "forbidden_origin", message: "origin not allowed", hint: "open the dashboard from its dev server" } });
    case "progress-then-ok":
      process.stderr.write("voice: starting voice-broker on port 8099...\\n");
      return say({ id, status: 200, body: ok });
    case "bad-answer":
      return say({ id, status: "two hundred", body: ok });
    case "hang":
      return;
    case "die-once": {
      const died = path.join(__dirname, "died-once");
      if (fs.existsSync(died)) return say({ id, status: 200, body: ok });
      fs.writeFileSync(died, "");
      process.exit(0);
    }
    case "crash":
      process.stderr.write("\\x1b[0m\\x1b[31mjava.lang.IllegalStateException: boom with OPENAI_API_KEY=" + process.env.OPENAI_API_KEY + " and secret ek_abcDEF123456 Bearer sometoken123\\n");
      process.exit(3);
    default:
      process.stderr.write("unknown mode " + mode + "\\n");
      process.exit(4);
  }
});
`;
  fs.writeFileSync(file, script, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return file;
}

/** The records of one type ("spawn" or "request"), requests with their parsed line as `input`. */
export function readRecords(file, type = "request") {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.type === type)
    .map((r) => (r.type === "request" ? { ...r, input: JSON.parse(r.line) } : r));
}

/**
 * Sends one raw HTTP/1.1 request (headers as [name, value] pairs, duplicates allowed) and reads the whole answer.
 * Node's http client and fetch cannot send duplicate Host or Origin headers; a socket can.
 */
export function rawRequest(port, { method = "GET", target = "/", headers = [], body = "" } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error("raw request timed out")));
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const rest = split === -1 ? "" : text.slice(split + 4);
      const [statusLine, ...lines] = head.split("\r\n");
      const status = Number(statusLine.split(" ")[1]);
      const hdrs = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        if (i > 0) (hdrs[line.slice(0, i).trim().toLowerCase()] ||= []).push(line.slice(i + 1).trim());
      }
      let json = null;
      try {
        json = JSON.parse(rest);
      } catch {}
      resolve({ status, headers: hdrs, text: rest, json });
    });
    const bytes = Buffer.from(body, "utf8");
    const lines = [`${method} ${target} HTTP/1.1`];
    const names = new Set(headers.map(([n]) => n.toLowerCase()));
    if (!names.has("host")) lines.push(`Host: 127.0.0.1:${port}`);
    for (const [n, v] of headers) lines.push(`${n}: ${v}`);
    if (bytes.length || method === "POST") lines.push(`Content-Length: ${bytes.length}`);
    lines.push("Connection: close", "", "");
    socket.write(lines.join("\r\n"));
    socket.write(bytes);
  });
}
