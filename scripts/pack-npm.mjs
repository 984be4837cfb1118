#!/usr/bin/env node
// Packs the three npm packages with `npm pack`, stamped with the Maven project's version:
//   scripts/pack-npm.mjs --jar target/voice-broker.jar --out DIR
// Each package is staged in DIR/stage/<name> (its `files`, README, the root LICENSE), so nothing is written into
// web/. The broker package gets the jar and jvm/broker.args; the plugin gets an exact dependency on the broker
// of the same version (the broker package exists only once the jar is built, so the committed package.json
// cannot name it without breaking installs from a checkout). A plugin module that imports a sibling package by
// path in the repository (`../voice-client/redact.js`) is staged importing it by name
// (`@voice-broker/client/redact`, which that package must export), with an exact dependency on it: the way
// pnpm rewrites `workspace:` ranges on publish. Prints the tarball paths, one per line.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGES = ["web/broker", "web/voice-client", "web/vite-plugin-voice"];
const BROKER = "@voice-broker/broker";
const PLUGIN = "@voice-broker/vite-plugin";
const SIBLING_IMPORT = /(["'])\.\.\/(voice-client)\/([\w-]+)\.js\1/g;

/** The project version: the <version> right after the project's own artifactId in pom.xml. */
export function pomVersion(pomText = fs.readFileSync(path.join(root, "pom.xml"), "utf8")) {
  const match = /<artifactId>voice-broker<\/artifactId>\s*(?:<!--[\s\S]*?-->\s*)*<version>([^<]+)<\/version>/.exec(pomText);
  if (!match) throw new Error("pom.xml: no <version> after <artifactId>voice-broker</artifactId>");
  return match[1].trim();
}

function stage(pkgDir, version, jar, stageRoot) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, pkgDir, "package.json"), "utf8"));
  const dir = path.join(stageRoot, path.basename(pkgDir));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const file of manifest.files) {
    const from = path.join(root, pkgDir, file);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, file), { recursive: true });
  }
  fs.copyFileSync(path.join(root, "LICENSE"), path.join(dir, "LICENSE"));
  manifest.version = version;
  delete manifest.scripts; // test scripts point at files that are not packed
  if (manifest.name === BROKER) {
    fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
    fs.mkdirSync(path.join(dir, "jvm"), { recursive: true });
    fs.copyFileSync(jar, path.join(dir, "lib", "voice-broker.jar"));
    fs.copyFileSync(path.join(root, "jvm", "broker.args"), path.join(dir, "jvm", "broker.args"));
  }
  if (manifest.name === PLUGIN) {
    manifest.dependencies = { ...manifest.dependencies, [BROKER]: version };
    for (const sibling of importSiblingsByName(dir, manifest.files)) manifest.dependencies[sibling] = version;
  }
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  return dir;
}

/** Rewrites `../voice-client/x.js` imports in the staged files to `@voice-broker/client/x`; the names it used. */
function importSiblingsByName(dir, files) {
  const used = new Set();
  for (const file of files.filter((f) => f.endsWith(".js"))) {
    const staged = path.join(dir, file);
    if (!fs.existsSync(staged)) continue;
    const text = fs.readFileSync(staged, "utf8");
    const rewritten = text.replace(SIBLING_IMPORT, (_, quote, folder, name) => {
      const sibling = JSON.parse(fs.readFileSync(path.join(root, "web", folder, "package.json"), "utf8"));
      if (!sibling.exports?.[`./${name}`]) {
        throw new Error(`${file} imports ../${folder}/${name}.js, which ${sibling.name} does not export as "./${name}"`);
      }
      used.add(sibling.name);
      return `${quote}${sibling.name}/${name}${quote}`;
    });
    if (rewritten !== text) fs.writeFileSync(staged, rewritten);
  }
  return used;
}

export function packAll({ jar, out }) {
  if (!fs.existsSync(jar)) throw new Error(`no broker jar at ${jar}: build it first (mvn -B -Dmaven.test.skip=true package)`);
  const version = pomVersion();
  fs.mkdirSync(out, { recursive: true });
  const tarballs = [];
  for (const pkg of PACKAGES) {
    const dir = stage(pkg, version, jar, path.join(out, "stage"));
    const printed = execFileSync("npm", ["pack", "--json", "--pack-destination", out], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" },
    });
    tarballs.push(path.join(out, JSON.parse(printed)[0].filename));
  }
  return tarballs;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] ? path.resolve(args[i + 1]) : null;
  };
  const jar = value("--jar") ?? path.join(root, "target", "voice-broker.jar");
  const out = value("--out");
  if (!out) {
    console.error("usage: scripts/pack-npm.mjs [--jar target/voice-broker.jar] --out DIR");
    process.exit(2);
  }
  try {
    for (const tarball of packAll({ jar, out })) console.log(tarball);
  } catch (err) {
    console.error(`pack-npm: ${err.message}`);
    process.exit(1);
  }
}
