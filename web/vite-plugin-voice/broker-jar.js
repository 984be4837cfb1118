// Where the broker jar comes from when the dashboard installed voice-broker from npm: the
// @voice-broker/broker package, found by normal module resolution from this plugin (npm, pnpm and yarn all
// make a package's dependencies resolvable from it), and the java that runs it.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

export const BROKER_PACKAGE = "@voice-broker/broker";

/**
 * The installed broker package's files, or null when it is not installed or its jar is missing (a checkout,
 * where the package exists only after the release step builds it). `from` is where resolution starts.
 * @returns {{jar: string, argsFile: string | null, version: string} | null}
 */
export function findBrokerJar(from = import.meta.url) {
  let broker;
  try {
    broker = createRequire(from)(BROKER_PACKAGE);
  } catch (err) {
    if (err?.code === "MODULE_NOT_FOUND" || err?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
  if (typeof broker?.jar !== "string" || !fs.existsSync(broker.jar)) return null;
  const argsFile = typeof broker.argsFile === "string" && fs.existsSync(broker.argsFile) ? broker.argsFile : null;
  return { jar: broker.jar, argsFile, version: String(broker.version ?? "") };
}

/** The java to run the jar with: VOICE_JAVA, else $JAVA_HOME/bin/java, else `java` from PATH. */
export function javaBinary(env = process.env) {
  if (env.VOICE_JAVA) return env.VOICE_JAVA;
  if (env.JAVA_HOME) {
    const inHome = path.join(env.JAVA_HOME, "bin", process.platform === "win32" ? "java.exe" : "java");
    if (fs.existsSync(inHome)) return inHome;
  }
  return "java";
}

/**
 * The fixed argument vector that runs a launcher command from the jar: java [@broker.args] -jar <jar>, to which
 * the caller appends the command (e.g. "start-request"). Nothing from a request goes into it.
 */
export function jarCommand(found, env = process.env) {
  return [javaBinary(env), ...(found.argsFile ? [`@${found.argsFile}`] : []), "-jar", found.jar];
}
