// @voice-broker/broker: the broker jar, shipped through npm so a dashboard gets it with its other packages.
// The jar and its JVM options file are copied in by the release step (scripts/pack-npm); they are not in git.
"use strict";
const path = require("node:path");

/** The runnable broker jar: `java @<argsFile> -jar <jar> serve` (or any other `voice` command). */
exports.jar = path.join(__dirname, "lib", "voice-broker.jar");
/** The broker's JVM options (small heap, quick start), as a java @argfile. */
exports.argsFile = path.join(__dirname, "jvm", "broker.args");
/** The version of the jar, the same as the Maven artifact's. */
exports.version = require("./package.json").version;
