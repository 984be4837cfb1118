// The dashboard project's own `.env` files, read the way Vite reads them, for the variables the broker uses.
// The plugin hands the result to the launcher in its environment (never on its command line), so a key kept in
// the dashboard's `.env` reaches the broker like one exported in the shell.
//
// Precedence, highest first: the dev server's own environment; `.env.[mode].local`; `.env.[mode]`;
// `.env.local`; `.env` (all in Vite's envDir, by default the project root). A broker started from a checkout
// with ./voice also reads the `.env` of its own folder, below all of these.

import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";

/** Names the broker and the launcher read; nothing else from the dashboard's `.env` leaves the dev server. */
const BROKER_VARIABLE = /^(OPENAI_API_KEY|OPENAI_BASE_URL|VOICE_[A-Z0-9_]+|HTTPS_PROXY|https_proxy|NO_PROXY|no_proxy)$/;
/**
 * Variables a `.env` file must not set, as the broker's own `.env` rule says (DotEnv.ENVIRONMENT_ONLY): they widen
 * who can reach the broker or where the key may go. Passing them on would turn a file into the real environment.
 */
export const ENVIRONMENT_ONLY = ["VOICE_UNSAFE_TEST_BIND", "VOICE_BIND", "VOICE_ALLOWED_BASE_HOSTS"];

/** Vite's order, lowest precedence first. */
export function envFiles(envDir, mode) {
  return [".env", ".env.local", `.env.${mode}`, `.env.${mode}.local`].map((name) => path.join(envDir, name));
}

/**
 * The broker's variables from the dashboard's `.env` files, under the process environment: the object to
 * spread *before* `process.env` when building the launcher's environment.
 * @param {{envDir: string | null, mode: string}} where  Vite's resolved envDir (null: none) and mode
 * @returns {Record<string, string>}
 */
export function dashboardEnv({ envDir, mode }) {
  const out = {};
  if (!envDir) return out; // envDir: false turns Vite's .env loading off; so it is here
  for (const file of envFiles(envDir, mode)) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      if (err?.code === "ENOENT" || err?.code === "EISDIR") continue;
      throw err;
    }
    for (const [name, value] of Object.entries(parseEnv(text))) {
      if (ENVIRONMENT_ONLY.includes(name)) throw environmentOnly(name, file);
      if (BROKER_VARIABLE.test(name)) out[name] = value;
    }
  }
  return out;
}

function environmentOnly(name, file) {
  const err = new Error(
    `env_file_not_allowed: ${name} is set in ${file}; it may only come from the real environment, because it widens ` +
      `who can reach the broker or where the key may go. Fix: remove it from ${path.basename(file)} and set it in the ` +
      "environment of the dev server, if you really mean it.",
  );
  err.code = "env_file_not_allowed";
  return err;
}

/** The launcher's environment: dashboard `.env` values, overridden by the real environment, then `extra`. */
export function launcherEnv(where, processEnv = process.env, extra = {}) {
  return { ...dashboardEnv(where), ...processEnv, ...extra };
}
