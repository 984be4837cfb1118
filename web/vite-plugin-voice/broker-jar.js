// Where the broker jar comes from when the dashboard installed voice-broker from npm: the
// @voice-broker/broker package, found by normal module resolution from this plugin (npm, pnpm and yarn all
// make a package's dependencies resolvable from it). That package also knows how to run its jar.

import fs from "node:fs";
import { createRequire } from "node:module";

export const BROKER_PACKAGE = "@voice-broker/broker";

/**
 * The installed broker package, or null when it is not installed or its jar is missing (a checkout, where the
 * package exists only after the release step builds it). `from` is where resolution starts.
 * @returns {{jar: string, version: string, command: (env?: object) => string[]} | null}
 */
export function findBrokerJar(from = import.meta.url) {
  let broker;
  try {
    broker = createRequire(from)(BROKER_PACKAGE);
  } catch (err) {
    if (err?.code === "MODULE_NOT_FOUND" || err?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
  if (typeof broker?.jar !== "string" || typeof broker.command !== "function" || !fs.existsSync(broker.jar)) return null;
  return { jar: broker.jar, version: String(broker.version ?? ""), command: broker.command };
}

/**
 * The fixed argument vector that runs a launcher command from the jar: java [@broker.args] -jar <jar>, to which
 * the caller appends the command (e.g. "launcher"). Nothing from a request goes into it.
 */
export function jarCommand(found, env = process.env) {
  return found.command(env);
}
