#!/usr/bin/env node
// `npx voice-broker <command>`: the `voice` command for an npm install (serve, start, stop, status, mint, doctor,
// install-service). Runs the packaged jar with the same java the Vite plugin would use.
"use strict";
const { spawnSync } = require("node:child_process");
const { command } = require("../index.js");

const [java, ...lead] = command(process.env);
const run = spawnSync(java, [...lead, ...process.argv.slice(2)], { stdio: "inherit" });
if (run.error) {
  console.error(`voice-broker: could not run ${java} (${run.error.code}). Fix: install a JDK 17 or newer, or set VOICE_JAVA or JAVA_HOME.`);
  process.exit(2);
}
process.exit(run.status ?? 1);
