// @voice-broker/vite-plugin: mounts POST /__start_voice on the Vite dev server. The plugin decides nothing:
// peer, Host, Origin, fetch metadata, dashboard token and body are all judged by the dev server's warm launcher
// (`voice launcher`, see launcher.js), which also starts the broker in its own, already running JVM.

import { randomUUID } from "node:crypto";
import path from "node:path";
import { redact, redactWith } from "../voice-client/redact.js";
import { acquireLauncher, findLauncher, launcherFailed, secretLiterals } from "./launcher.js";
import { launcherEnv } from "./dashboard-env.js";

const DEFAULT_ENDPOINT = "/__start_voice";
const MAX_BODY_BYTES = 16 * 1024;
const BODY_TIMEOUT_MS = 10_000;
// The first request may wait for the launcher's first build with Maven; leave it time.
const DEFAULT_LAUNCHER_TIMEOUT_MS = 180_000;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** The dev server's own origins and Host values for a port: the localhost, 127.0.0.1 and [::1] spellings. */
function loopbackOrigins(port, protocol = "http") {
  const names = ["localhost", "127.0.0.1", "[::1]"];
  return {
    allowedOrigins: names.map((n) => `${protocol}://${n}:${port}`),
    allowedHosts: names.map((n) => `${n}:${port}`),
  };
}

// Host name labels as the broker's Origin type accepts them: browsers also take hyphen-edged, empty and
// trailing-dot labels, but here those are typos or aliases of another origin, which could never match.
const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;

/**
 * Why `o` is not an origin the broker accepts, or null when it is: exactly what a browser sends in its Origin
 * header (new URL(o).origin === o), over http or https, on a real port, with a well-formed host name. The shared
 * table src/test/resources/origins.json holds the cases the broker's Java Origin type is tested on too.
 */
function originProblem(o) {
  if (typeof o !== "string") return "it is not a string";
  let u;
  try {
    u = new URL(o);
  } catch {
    return "it is not a URL";
  }
  if (u.origin !== o) return "a browser would send it as " + JSON.stringify(u.origin);
  if (u.protocol !== "http:" && u.protocol !== "https:") return "only http and https pages can call the broker";
  if (u.port === "0") return "port 0 is no port a page is served from";
  const ip = u.hostname.startsWith("[") || /^[0-9.]+$/.test(u.hostname);
  if (!ip && !u.hostname.split(".").every((label) => DNS_LABEL.test(label))) {
    return "a host name label is empty, ends in a dot or starts or ends with a hyphen";
  }
  return null;
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
      const why = originProblem(o);
      if (why) throw new TypeError(`voiceBroker: allowedOrigins: ${JSON.stringify(o)} is not an exact http(s) origin: ${why} (want e.g. "http://localhost:5173")`);
    }
  }
  if (env !== undefined) {
    if (env === null || typeof env !== "object" || Array.isArray(env)) throw new TypeError("voiceBroker: env must be an object of strings");
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== "string") throw new TypeError(`voiceBroker: env.${name} must be a string`);
      // A value the shared redaction would mask holds a key, a client secret or a bearer credential.
      if (name === "OPENAI_API_KEY" || redact(value) !== value) {
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
      signal.removeEventListener("abort", onTimeout);
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
    const signal = AbortSignal.timeout(timeoutMs);
    const onTimeout = () => finish({ body: "", tooLarge: false, timedOut: true });
    signal.addEventListener("abort", onTimeout, { once: true });
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
  let envWhere = { envDir: root, mode: "development" };
  // A name for each live connection that no other connection ever gets (a random prefix per plugin instance, so a
  // launcher kept across a Vite restart never sees a name twice), under which the launcher keeps a "same OS user"
  // verdict instead of reading the kernel's socket table on every click of a kept-alive page.
  const connectionPrefix = randomUUID();
  const connectionNames = new WeakMap();
  let connectionCount = 0;
  const connectionName = (socket) => {
    if (!socket) return null;
    if (!connectionNames.has(socket)) connectionNames.set(socket, `${connectionPrefix}:${++connectionCount}`);
    return connectionNames.get(socket);
  };

  return {
    name: "voice-broker",
    apply: "serve",

    configResolved(config) {
      root = config.root;
      envWhere = { envDir: config.envDir === false ? null : (config.envDir ?? root), mode: config.mode };
    },

    configureServer(server) {
      const logger = server.config.logger;
      const log = {
        info: (text) => logger.info(text, { timestamp: true }),
        warn: (text) => logger.warn(text, { timestamp: true }),
      };
      const found = findLauncher(root, options.voiceCommand);
      const env = launcherEnv(envWhere, process.env, options.env || {});
      const literals = secretLiterals(env);
      let warm = null;
      if (found) {
        warm = acquireLauncher({ ...found, env, log });
        server.httpServer?.once("close", warm.release);
      } else {
        log.warn(`[voice-broker] no executable \`voice\` beside a pom.xml above ${root}; ${endpoint} answers launcher_failed until voiceCommand is set`);
      }

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
        if (!warm) {
          const missing = launcherFailed("no executable `voice` beside a pom.xml was found above the Vite root", {
            hint: "set voiceCommand in vite.config to the voice script of a voice-broker checkout",
          });
          sendJson(res, missing.status, missing.body, { close: tooLarge });
          return;
        }
        const request = {
          method: req.method,
          peer: req.socket?.remoteAddress ?? null,
          // The socket's other end and ours: the launcher asks the kernel which OS user owns the caller's socket.
          peerPort: req.socket?.remotePort ?? null,
          localAddress: req.socket?.localAddress ?? null,
          localPort: req.socket?.localPort ?? null,
          connection: connectionName(req.socket),
          headers: distinctHeaders(req),
          body,
        };
        if (tooLarge) request.bodyTooLarge = true;
        const { allowedOrigins, allowedHosts } = allowed();
        const config = {
          allowedOrigins,
          allowedHosts,
          dashboardTokenHeader: options.dashboardTokenHeader ? options.dashboardTokenHeader.toLowerCase() : null,
          dashboardTokenFile: options.dashboardTokenFile ? path.resolve(root, options.dashboardTokenFile) : null,
        };
        const answer = await warm.launcher.request({ config, request }, launcherTimeoutMs);
        const { restarted, ...page } = answer.body;
        if (answer.status === 200 && page.ok === true && typeof page.url === "string" && !page.already) {
          log.info(`[voice-broker] broker ${restarted ? `restarted (${restarted})` : "started"} at ${redact(page.url)}`);
        }
        sendJson(res, answer.status, page, { close: tooLarge });
      }

      // Vite installs its request validation, CORS and Host check before configureServer hooks run and every other
      // middleware after them, so this route gets Vite's Host check first and comes before its file serving. A
      // CORS preflight to it may be answered by server.cors; that grants nothing: the POST itself is judged by the
      // launcher, and its answer never carries CORS headers (sendJson strips them).
      server.middlewares.use((req, res, next) => {
        const url = req.url || "";
        const q = url.indexOf("?");
        if ((q === -1 ? url : url.slice(0, q)) !== endpoint) return next();
        handle(req, res).catch((err) => {
          logger.error(`[voice-broker] ${redactWith(String(err?.stack || err), literals)}`);
          const failed = launcherFailed(`internal error: ${err?.message || err}`, { hint: "see the dev server's log", literals });
          sendJson(res, failed.status, failed.body);
        });
      });
    },
  };
}
