// @voice-broker/broker: the broker jar, shipped through npm so a dashboard gets it with its other packages.
// The jar and its JVM options file are copied in by the release step (scripts/pack-npm.mjs); they are not in git.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The runnable broker jar: `java @<argsFile> -jar <jar> serve` (or any other `voice` command). */
exports.jar = path.join(__dirname, "lib", "voice-broker.jar");
/** The broker's JVM options (small heap, quick start), as a java @argfile. */
exports.argsFile = path.join(__dirname, "jvm", "broker.args");
/** The version of the jar, the same as the Maven artifact's. */
exports.version = require("./package.json").version;

/** The java to run it with: VOICE_JAVA, else $JAVA_HOME/bin/java, else `java` from PATH. */
function javaBinary(env = process.env) {
  if (env.VOICE_JAVA) return env.VOICE_JAVA;
  if (env.JAVA_HOME) {
    const inHome = path.join(env.JAVA_HOME, "bin", process.platform === "win32" ? "java.exe" : "java");
    if (fs.existsSync(inHome)) return inHome;
  }
  return "java";
}
exports.javaBinary = javaBinary;

/**
 * The fixed argument vector that runs the jar: java [@broker.args] -jar <jar>, to which the caller appends the
 * command (serve, start, doctor, launcher, install-service). Secrets never go into it: they travel by
 * environment.
 */
exports.command = function command(env = process.env) {
  return [javaBinary(env), ...(fs.existsSync(exports.argsFile) ? [`@${exports.argsFile}`] : []), "-jar", exports.jar];
};
