// The dev server's warm launcher: one `voice launcher` JVM per dev server, started in the background when the
// server is configured, fed one JSON line per /__start_voice request on stdin and answering one JSON line per
// request on stdout (the protocol is voicebroker.startvoice.LauncherProtocol). It judges each request and
// becomes the broker on the first accepted click, so no click starts a process.
// Internal to @voice-broker/vite-plugin: not part of its public API.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { redactWith } from "../voice-client/redact.js";
import { findBrokerJar, jarCommand } from "./broker-jar.js";

const STDERR_TAIL_LINES = 12;
// A launcher that ran this long was working; one that died sooner is not respawned until the next click.
const HEALTHY_LIFETIME_MS = 5000;
// A Vite restart closes the old server and configures a new one: keep the launcher (and its broker) across it.
const RELEASE_GRACE_MS = 2000;
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD)$/i;

/**
 * Where the launcher command is: `voiceCommand` when given (relative to Vite's root), else the first executable
 * `voice` beside a `pom.xml` walking up from the root (a voice-broker checkout). The one place to teach the
 * plugin another way to find the launcher.
 * @returns {{command: string, cwd: string} | null}
 */
export function findLauncher(root, voiceCommand) {
  const installed = voiceCommand ? null : findBrokerJar();
  if (installed) {
    const [command, ...args] = jarCommand(installed);
    return { command, args, cwd: root };
  }
  const command = voiceCommand ? path.resolve(root, voiceCommand) : findVoiceScript(root);
  return command ? { command, cwd: path.dirname(command) } : null;
}

function findVoiceScript(startDir) {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "voice");
    if (isExecutableFile(candidate) && fs.existsSync(path.join(dir, "pom.xml"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function isExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Literal values of secret-named variables (…KEY, …TOKEN, …SECRET, …PASSWORD), to mask in anything shown. */
export function secretLiterals(env) {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === "string" && value.length >= 8)
    .map(([, value]) => value);
}

/** Drops terminal escape sequences and control characters (except tab) from launcher output. */
function plainText(text) {
  return String(text)
    .replace(/\x1b\[[0-?]*[ -\/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
    .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, "");
}

/** The 500 answer for a launcher that could not answer; `hint` fits what went wrong. */
export function launcherFailed(message, { hint, stderr = "", literals = [] }) {
  const body = { error: "launcher_failed", message: redactWith(message, literals), hint };
  if (stderr) body.stderr = redactWith(stderr, literals);
  return { status: 500, body };
}

class WarmLauncher {
  #command;
  #args;
  #cwd;
  #env;
  #log;
  #literals;
  #child = null;
  #startedAt = 0;
  #nextId = 1;
  #pending = new Map();
  #stderrTail = [];
  #closing = false;
  users = 0;
  releaseTimer = null;

  constructor({ command, args = [], cwd, env, log }) {
    this.#command = command;
    this.#args = args;
    this.#cwd = cwd;
    this.#env = env;
    this.#log = log;
    this.#literals = secretLiterals(env);
  }

  get #name() {
    return path.basename(this.#command);
  }

  /** Spawns the launcher unless it runs; returns at once (the JVM starts in the background). */
  start() {
    if (this.#child || this.#closing) return;
    this.#startedAt = Date.now();
    this.#stderrTail = [];
    const child = spawn(this.#command, [...this.#args, "launcher"], {
      cwd: this.#cwd,
      env: this.#env,
      shell: false,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    this.#child = child;
    child.stdin.on("error", () => {}); // EPIPE when it died: its exit says why
    readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => this.#answer(line));
    readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (line) => this.#progress(line));
    child.on("error", (err) => this.#ended(child, `could not run ${this.#name} launcher: ${err.code || err.message}`));
    child.on("exit", (code, signal) =>
      this.#ended(child, `${this.#name} launcher ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`),
    );
  }

  /**
   * Sends one request; resolves {status, body} as the launcher answered, or a 500 launcher_failed. Never rejects.
   * A request still unanswered when its launcher ends (stopped by `voice stop`, say) goes once to a new launcher:
   * asking to start or find the broker twice is the same as asking once.
   */
  request(input, timeoutMs) {
    return new Promise((resolve) => {
      const signal = AbortSignal.timeout(timeoutMs);
      let id;
      let resent = false;
      const done = (answer) => {
        signal.removeEventListener("abort", onTimeout);
        this.#pending.delete(id);
        resolve(answer);
      };
      const send = () => {
        this.start();
        id = this.#nextId++;
        this.#pending.set(id, { done, orphaned });
        this.#child?.stdin.write(JSON.stringify({ id, ...input }) + "\n");
      };
      const orphaned = (failure) => {
        this.#pending.delete(id);
        if (resent || this.#closing) return done(failure);
        resent = true;
        send();
      };
      const onTimeout = () =>
        done(this.#failed(`${this.#name} launcher did not answer within ${Math.round(timeoutMs / 1000)} s`));
      signal.addEventListener("abort", onTimeout, { once: true });
      send();
    });
  }

  /** Ends the launcher's input: it stops a broker running in it and exits. */
  close() {
    this.#closing = true;
    const child = this.#child;
    if (!child) return;
    child.stdin.end();
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill("SIGTERM"), 5000).unref();
  }

  #answer(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      this.#progress(line);
      return;
    }
    if (message?.ready === true) {
      this.#log.info(`[voice-broker] launcher ready (pid ${message.pid})`);
      return;
    }
    const done = this.#pending.get(message?.id)?.done;
    if (!done) return;
    const valid = Number.isInteger(message.status) && message.status >= 200 && message.status <= 599 &&
      message.body && typeof message.body === "object" && !Array.isArray(message.body);
    done(valid ? { status: message.status, body: message.body } : this.#failed(`${this.#name} launcher answered something that is not an answer`));
  }

  #progress(line) {
    const text = redactWith(plainText(line), this.#literals);
    this.#stderrTail = [...this.#stderrTail, text].slice(-STDERR_TAIL_LINES);
    if (text.trim()) this.#log.info(`[voice-broker] ${text}`);
  }

  #ended(child, why) {
    if (this.#child !== child) return;
    this.#child = null;
    const failure = this.#failed(why);
    if (!this.#closing) {
      this.#log.warn(`[voice-broker] ${failure.body.message}${failure.body.stderr ? `:\n${failure.body.stderr}` : ""}`);
    }
    const orphans = [...this.#pending.values()];
    if (orphans.length === 0 && !this.#closing && Date.now() - this.#startedAt >= HEALTHY_LIFETIME_MS) this.start();
    for (const { orphaned } of orphans) orphaned(failure);
  }

  #failed(message) {
    return launcherFailed(message, {
      hint: `see the dev server's log; '${this.#command} doctor' checks every precondition`,
      stderr: this.#stderrTail.join("\n").trim(),
      literals: this.#literals,
    });
  }
}

const launchers = new Map();

/**
 * The warm launcher for this command, directory and environment, shared by every dev server of this process
 * that asks for the same one; `release()` when the server closes (it ends after a grace period nobody took).
 */
export function acquireLauncher({ command, args = [], cwd, env, log }) {
  const key = JSON.stringify([command, args, cwd, Object.entries(env).sort()]);
  let launcher = launchers.get(key);
  if (!launcher) {
    launcher = new WarmLauncher({ command, args, cwd, env, log });
    launchers.set(key, launcher);
  }
  clearTimeout(launcher.releaseTimer);
  launcher.users++;
  launcher.start();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (--launcher.users > 0) return;
    launcher.releaseTimer = setTimeout(() => {
      if (launcher.users > 0) return;
      launchers.delete(key);
      launcher.close();
    }, RELEASE_GRACE_MS);
    launcher.releaseTimer.unref?.();
  };
  return { launcher, release };
}
