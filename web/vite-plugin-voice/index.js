// @voice-broker/vite-plugin: mounts POST /__start_voice on the Vite dev server and hands each request to the
// repo's `voice start-request` launcher. No guard decision is made here: peer, Host, Origin, fetch metadata,
// dashboard token and body are all checked by the launcher, which also starts (or finds) the broker.
//
// Protocol with the launcher (one process per request, no shell, fixed argv [voiceCommand, "start-request"]):
//   stdin : one JSON object {"config": {...}, "request": {...}}
//   stdout: one JSON object {"status": <int>, "body": {...}}, exit code 0
// Anything else (spawn failure, non-zero exit, no valid JSON, time-out) becomes 500 {"error":"launcher_failed"}.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const DEFAULT_ENDPOINT = "/__start_voice";
export const MAX_BODY_BYTES = 16 * 1024;
const MAX_STDOUT_BYTES = 64 * 1024;
const STDERR_TAIL_CHARS = 2000;
const BODY_TIMEOUT_MS = 10_000;
// The first start may build the broker with Maven; leave it time.
const DEFAULT_LAUNCHER_TIMEOUT_MS = 180_000;
const CLOSE_GRACE_MS = 1000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD)$/i;

/** Masks `sk-…`, `ek_…`, `Bearer …` and the given literal secrets in a string. */
export function redactSecrets(text, literals = []) {
  let out = String(text);
  for (const secret of literals) {
    if (typeof secret !== "string" || secret.length < 8) continue;
    const mask = secret.startsWith("sk-") ? "sk-…" : secret.startsWith("ek_") ? "ek_…" : "…";
    out = out.split(secret).join(mask);
  }
  return out
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer …")
    .replace(/sk-[A-Za-z0-9_-]+/g, "sk-…")
    .replace(/ek_[A-Za-z0-9_-]+/g, "ek_…");
}

function secretLiterals(env) {
  const out = [];
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_NAME.test(name) && typeof value === "string" && value.length >= 8) out.push(value);
  }
  return out;
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Walks up from `startDir` to the first directory holding an executable file `voice` beside a `pom.xml`. */
export function findVoiceCommand(startDir) {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, "voice");
    if (isExecutableFile(candidate) && fs.existsSync(path.join(dir, "pom.xml"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The dev server's own origins and Host values for a port: the localhost, 127.0.0.1 and [::1] spellings. */
export function loopbackOrigins(port, protocol = "http") {
  const names = ["localhost", "127.0.0.1", "[::1]"];
  return {
    allowedOrigins: names.map((n) => `${protocol}://${n}:${port}`),
    allowedHosts: names.map((n) => `${n}:${port}`),
  };
}

function checkOptions(options) {
  if (options === null || typeof options !== "object") throw new TypeError("voiceBroker(options): options must be an object");
  const { voiceCommand, dashboardTokenHeader, dashboardTokenFile, allowedOrigins, env, endpoint, launcherTimeoutMs } = options;
  if (voiceCommand !== undefined && (typeof voiceCommand !== "string" || !voiceCommand)) {
    throw new TypeError("voiceBroker: voiceCommand must be a non-empty path");
  }
  if (dashboardTokenHeader !== undefined && (typeof dashboardTokenHeader !== "string" || !HEADER_NAME.test(dashboardTokenHeader.toLowerCase()))) {
    throw new TypeError("voiceBroker: dashboardTokenHeader must be an HTTP header name");
  }
  if (dashboardTokenFile !== undefined && (typeof dashboardTokenFile !== "string" || !dashboardTokenFile)) {
    throw new TypeError("voiceBroker: dashboardTokenFile must be a path");
  }
  if (allowedOrigins !== undefined) {
    if (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0) {
      throw new TypeError("voiceBroker: allowedOrigins must be a non-empty array of origins");
    }
    for (const o of allowedOrigins) {
      let u;
      try {
        u = new URL(o);
      } catch {
        throw new TypeError(`voiceBroker: allowedOrigins: ${JSON.stringify(o)} is not an origin`);
      }
      if (u.origin !== o || (u.protocol !== "http:" && u.protocol !== "https:")) {
        throw new TypeError(`voiceBroker: allowedOrigins: ${JSON.stringify(o)} is not an exact http(s) origin (want e.g. "http://localhost:5173")`);
      }
    }
  }
  if (env !== undefined) {
    if (env === null || typeof env !== "object" || Array.isArray(env)) throw new TypeError("voiceBroker: env must be an object of strings");
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== "string") throw new TypeError(`voiceBroker: env.${name} must be a string`);
      if (name === "OPENAI_API_KEY" || /sk-[A-Za-z0-9]/.test(value) || /ek_[A-Za-z0-9]/.test(value)) {
        throw new TypeError(
          `voiceBroker: env.${name} looks like a secret; keep the key in the environment or the broker's .env, never in vite.config`,
        );
      }
      if (name === "VOICE_ALLOWED_ORIGINS") throw new TypeError("voiceBroker: set allowedOrigins instead of env.VOICE_ALLOWED_ORIGINS");
    }
  }
  if (endpoint !== undefined && (typeof endpoint !== "string" || !endpoint.startsWith("/") || /[?#]/.test(endpoint))) {
    throw new TypeError("voiceBroker: endpoint must be a path like /__start_voice");
  }
  if (launcherTimeoutMs !== undefined && !(Number.isFinite(launcherTimeoutMs) && launcherTimeoutMs > 0)) {
    throw new TypeError("voiceBroker: launcherTimeoutMs must be a positive number");
  }
}

function sendJson(res, status, body, { close = false } = {}) {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  // Whatever ran before us (Vite's server.cors, another plugin) must not widen who can read this answer.
  for (const name of res.getHeaderNames()) {
    if (name.toLowerCase().startsWith("access-control-")) res.removeHeader(name);
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  if (status === 405) res.setHeader("Allow", "POST");
  if (close) res.setHeader("Connection", "close");
  res.end(text);
}

/** Drops terminal escape sequences and control characters (except newline and tab) from launcher output. */
function plainText(text) {
  return String(text)
    .replace(/\x1b\[[0-?]*[ -\/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
}

function launcherFailed(message, stderrTail, literals) {
  const body = {
    error: "launcher_failed",
    message: redactSecrets(message, literals),
    hint: "run ./voice doctor",
  };
  if (stderrTail) body.stderr = redactSecrets(plainText(stderrTail), literals);
  return body;
}

/** Reads at most `limit` bytes. Never reads past the limit: a larger body is reported, not consumed. */
function readBody(req, limit, timeoutMs) {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      resolve({ body: "", tooLarge: true, timedOut: false });
      return;
    }
    const chunks = [];
    let size = 0;
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onError);
      req.removeListener("aborted", onError);
      if (result.tooLarge || result.timedOut) req.pause();
      resolve(result);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        finish({ body: "", tooLarge: true, timedOut: false });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ body: Buffer.concat(chunks).toString("utf8"), tooLarge: false, timedOut: false });
    const onError = () => finish({ body: "", tooLarge: false, timedOut: false, aborted: true });
    const timer = setTimeout(() => finish({ body: "", tooLarge: false, timedOut: true }), timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

/** Every request header with a lowercase name and all values as an array, duplicates kept. */
function distinctHeaders(req) {
  if (req.headersDistinct && typeof req.headersDistinct === "object") {
    const out = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) out[name] = [...values];
    return out;
  }
  const out = {};
  const raw = req.rawHeaders || [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    (out[name] ||= []).push(String(raw[i + 1]));
  }
  return out;
}

/**
 * Runs `[command, "start-request"]`, writes `input` as one JSON line on its stdin and collects its answer.
 * Resolves {status, body} as the launcher said, or a 500 launcher_failed; never rejects.
 */
export function runLauncher({ command, cwd, env, input, timeoutMs = DEFAULT_LAUNCHER_TIMEOUT_MS }) {
  const literals = secretLiterals(env);
  const name = path.basename(command);
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, ["start-request"], {
        cwd,
        env,
        shell: false,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      });
    } catch (err) {
      resolve({ status: 500, body: launcherFailed(`could not run ${name} start-request: ${err?.code || err?.message || err}`, "", literals) });
      return;
    }

    const out = [];
    let outSize = 0;
    let outOverflow = false;
    let errTail = "";
    let exitCode = null;
    let exitSignal = null;
    let closed = false;
    let spawnError = null;
    let timedOut = false;
    let settled = false;
    let graceTimer = null;
    let killTimer = null;

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), 2000);
      killTimer.unref?.();
      settle();
    }, timeoutMs);

    child.stdout.on("data", (chunk) => {
      if (outOverflow) return;
      outSize += chunk.length;
      if (outSize > MAX_STDOUT_BYTES) outOverflow = true;
      else out.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      errTail = (errTail + chunk).slice(-STDERR_TAIL_CHARS * 2);
    });
    child.stdin.on("error", () => {}); // EPIPE when the launcher exits without reading: its exit status says why
    child.on("error", (err) => {
      spawnError = err;
      settle();
    });
    child.on("exit", (code, signal) => {
      clearTimeout(killTimer);
      exitCode = code;
      exitSignal = signal;
      // A grandchild that kept our pipes open must not hold the answer forever.
      graceTimer = setTimeout(settle, CLOSE_GRACE_MS);
      graceTimer.unref?.();
    });
    child.on("close", () => {
      closed = true;
      settle();
    });

    function settle() {
      // Called on close (exit + pipes closed), on the grace timer after exit, on a spawn error or on the time-out.
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (!closed) {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
      const tail = errTail.slice(-STDERR_TAIL_CHARS).trim();
      if (spawnError) {
        resolve({ status: 500, body: launcherFailed(`could not run ${name} start-request: ${spawnError.code || spawnError.message}`, tail, literals) });
        return;
      }
      if (timedOut) {
        resolve({ status: 500, body: launcherFailed(`${name} start-request did not answer within ${Math.round(timeoutMs / 1000)} s`, tail, literals) });
        return;
      }
      if (exitCode !== 0) {
        const why = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`;
        resolve({ status: 500, body: launcherFailed(`${name} start-request ${why}`, tail, literals) });
        return;
      }
      if (outOverflow) {
        resolve({ status: 500, body: launcherFailed(`${name} start-request printed more than ${MAX_STDOUT_BYTES} bytes`, tail, literals) });
        return;
      }
      const answer = parseAnswer(Buffer.concat(out).toString("utf8"));
      if (!answer) {
        resolve({ status: 500, body: launcherFailed(`${name} start-request printed no valid JSON response`, tail, literals) });
        return;
      }
      resolve(answer);
    }

    child.stdin.end(JSON.stringify(input) + "\n");
  });
}

/** One JSON object {"status": int, "body": object}. Tolerates log lines before it on stdout: the last line wins. */
function parseAnswer(text) {
  const attempts = [text.trim()];
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1) attempts.push(lines[lines.length - 1]);
  for (const candidate of attempts) {
    if (!candidate) continue;
    let parsed;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (
      parsed &&
      typeof parsed === "object" &&
      Number.isInteger(parsed.status) &&
      parsed.status >= 200 &&
      parsed.status <= 599 &&
      parsed.body &&
      typeof parsed.body === "object" &&
      !Array.isArray(parsed.body)
    ) {
      return { status: parsed.status, body: parsed.body };
    }
  }
  return null;
}

/**
 * The Vite plugin. Options:
 * - voiceCommand: path to the `voice` script (default: walk up from Vite's root to an executable `voice` beside a pom.xml)
 * - dashboardTokenHeader / dashboardTokenFile: passed to the launcher, which enforces them
 * - allowedOrigins: exact origins of the dashboard (default: this dev server's localhost/127.0.0.1/[::1] origins)
 * - env: extra non-secret environment for the launcher
 * - endpoint (default "/__start_voice"), launcherTimeoutMs (default 180000)
 */
export default function voiceBroker(options = {}) {
  checkOptions(options);
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  const launcherTimeoutMs = options.launcherTimeoutMs ?? DEFAULT_LAUNCHER_TIMEOUT_MS;
  let root = process.cwd();
  let foundCommand = null;

  function resolveCommand() {
    if (options.voiceCommand) return path.resolve(root, options.voiceCommand);
    if (!foundCommand) foundCommand = findVoiceCommand(root);
    return foundCommand;
  }

  return {
    name: "voice-broker",
    apply: "serve",

    configResolved(config) {
      root = config.root;
    },

    configureServer(server) {
      const logger = server.config.logger;

      function allowed() {
        const serverConfig = server.config.server;
        const protocol = serverConfig.https ? "https" : "http";
        const address = server.httpServer?.address?.();
        const port = address && typeof address === "object" ? address.port : (serverConfig.port ?? 5173);
        const defaults = loopbackOrigins(port, protocol);
        if (!options.allowedOrigins) return defaults;
        const hosts = new Set(defaults.allowedHosts);
        for (const o of options.allowedOrigins) hosts.add(new URL(o).host);
        return { allowedOrigins: [...options.allowedOrigins], allowedHosts: [...hosts] };
      }

      async function handle(req, res) {
        if (req.method !== "POST") {
          sendJson(res, 405, {
            error: "method_not_allowed",
            message: `${endpoint} accepts POST only, not ${req.method}`,
            hint: "call startBroker() from @voice-broker/client",
          });
          return;
        }
        const { body, tooLarge, timedOut, aborted } = await readBody(req, MAX_BODY_BYTES, BODY_TIMEOUT_MS);
        if (aborted) return;
        if (timedOut) {
          sendJson(res, 408, { error: "request_timeout", message: "the request body did not arrive in time", hint: "retry" }, { close: true });
          return;
        }
        const command = resolveCommand();
        if (!command) {
          sendJson(res, 500, {
            error: "launcher_failed",
            message: "no executable `voice` beside a pom.xml was found above the Vite root",
            hint: "pass voiceCommand to voiceBroker() in vite.config.js, or run ./voice doctor",
          }, { close: tooLarge });
          return;
        }
        const { allowedOrigins, allowedHosts } = allowed();
        const request = {
          method: req.method,
          peer: req.socket?.remoteAddress ?? null,
          // The socket's other end and ours: the launcher asks the kernel which OS user owns the caller's socket.
          peerPort: req.socket?.remotePort ?? null,
          localAddress: req.socket?.localAddress ?? null,
          localPort: req.socket?.localPort ?? null,
          headers: distinctHeaders(req),
          body,
        };
        if (tooLarge) request.bodyTooLarge = true;
        const input = {
          config: {
            allowedOrigins,
            allowedHosts,
            dashboardTokenHeader: options.dashboardTokenHeader ? options.dashboardTokenHeader.toLowerCase() : null,
            dashboardTokenFile: options.dashboardTokenFile ? path.resolve(root, options.dashboardTokenFile) : null,
          },
          request,
        };
        const env = { ...process.env, ...(options.env || {}), VOICE_ALLOWED_ORIGINS: allowedOrigins.join(",") };
        const answer = await runLauncher({ command, cwd: path.dirname(command), env, input, timeoutMs: launcherTimeoutMs });
        if (answer.body?.error === "launcher_failed") {
          logger.warn(`[voice-broker] ${answer.body.message}${answer.body.stderr ? `\n${answer.body.stderr}` : ""}`, { timestamp: true });
        } else if (answer.status === 200 && answer.body?.ok === true && typeof answer.body.url === "string") {
          logger.info(`[voice-broker] broker ${answer.body.already ? "already running" : "started"} at ${redactSecrets(answer.body.url)}`, { timestamp: true });
        }
        sendJson(res, answer.status, answer.body, { close: tooLarge });
      }

      function middleware(req, res, next) {
        const url = req.url || "";
        const q = url.indexOf("?");
        const pathname = q === -1 ? url : url.slice(0, q);
        if (pathname !== endpoint) return next();
        handle(req, res).catch((err) => {
          logger.error(`[voice-broker] ${redactSecrets(err?.stack || err)}`);
          sendJson(res, 500, launcherFailed(`internal error: ${err?.message || err}`, "", []));
        });
      }

      // Run before Vite's own middlewares (cors, host check), which are installed before configureServer hooks:
      // otherwise server.cors would answer OPTIONS preflights for this route itself.
      const stack = server.middlewares?.stack;
      if (Array.isArray(stack)) stack.unshift({ route: "", handle: middleware });
      else server.middlewares.use(middleware);

      if (!resolveCommand()) {
        logger.warn(
          `[voice-broker] no executable \`voice\` beside a pom.xml above ${root}; ${endpoint} will fail until voiceCommand is set`,
        );
      }
    },
  };
}
