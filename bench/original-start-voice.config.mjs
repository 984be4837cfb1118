// Vite config for bench/run's "original" click figures: a dev server with a model of the original project's
// POST /__start_voice, the launcher its dashboard calls. The original keeps that middleware inside a large
// vite.config.ts; this model is written for the benchmark from its behaviour, and keeps every step that costs
// time: loopback and token checks, read the JSON body ({key, base}), allow-list the base, probe the sidecar's
// /api/health; a keyed sidecar answers {ok, already}; otherwise stop any earlier child, spawn
// `bun run voice-lab/server.ts` with the key in the child's environment (never argv), and poll /api/health every
// 200 ms, 30 times at most. Two differences, both for a shared machine: the sidecar's port comes from
// BENCH_ORIGINAL_PORT instead of the fixed 8099, and a key given in the body is not saved to the user's home.
import { spawn } from "node:child_process";

const bun = process.env.BENCH_BUN;
const checkout = process.env.BENCH_ORIGINAL_DIR;
const sidecarPort = process.env.BENCH_ORIGINAL_PORT;
const clickToken = process.env.BENCH_CLICK_TOKEN;
const LOOPBACK_PEERS = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const POLL_MS = 200;
const POLLS = 30;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sidecarHealth() {
  try {
    const answer = await fetch(`http://127.0.0.1:${sidecarPort}/api/health`);
    return answer.ok ? await answer.json() : null;
  } catch {
    return null; // not running
  }
}

function baseAllowed(base) {
  try {
    const url = new URL(base);
    if (url.username || url.password) return false;
    const loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].includes(url.hostname);
    return loopback || (url.protocol === "https:" && url.hostname === "api.openai.com");
  } catch {
    return false;
  }
}

function originalStartVoice() {
  let sidecar = null;
  const reply = (res, status, body) => {
    res.statusCode = status;
    res.end(JSON.stringify(body));
  };
  return {
    name: "bench-original-start-voice",
    configureServer(server) {
      server.middlewares.use("/__start_voice", async (req, res, next) => {
        if (req.method !== "POST") return next();
        res.setHeader("Content-Type", "application/json");
        if (!LOOPBACK_PEERS.has(req.socket.remoteAddress)) return reply(res, 403, { error: "loopback only" });
        if (req.headers["x-claude-os-token"] !== clickToken) return reply(res, 403, { error: "invalid token" });
        let text = "";
        for await (const piece of req) text += piece;
        let key = "";
        let base = "";
        try {
          const body = JSON.parse(text || "{}");
          if (typeof body.key === "string") key = body.key.trim();
          if (typeof body.base === "string") base = body.base.trim();
        } catch {
          // an unreadable body counts as empty
        }
        if (base && !baseAllowed(base)) return reply(res, 400, { error: "base_not_allowed" });
        let health = await sidecarHealth();
        if (health && health.keyed) return reply(res, 200, { ok: true, already: true, keyed: true });
        if (!key && !base) return reply(res, 400, { error: "no_key" });
        if (sidecar && sidecar.exitCode === null) sidecar.kill();
        const env = { ...process.env, PORT: sidecarPort };
        if (key) env.OPENAI_API_KEY = key;
        if (base) env.OPENAI_BASE_URL = base;
        sidecar = spawn(bun, ["run", "voice-lab/server.ts"], { cwd: checkout, env, stdio: "ignore" });
        sidecar.on("exit", () => {
          sidecar = null;
        });
        for (let poll = 0; poll < POLLS; poll++) {
          await pause(POLL_MS);
          health = await sidecarHealth();
          if (health && health.ok) return reply(res, 200, { ok: true, keyed: !!health.keyed });
        }
        return reply(res, 200, { ok: false, error: "engine_timeout" });
      });
    },
  };
}

export default {
  plugins: [originalStartVoice()],
  logLevel: "warn",
  clearScreen: false,
};
