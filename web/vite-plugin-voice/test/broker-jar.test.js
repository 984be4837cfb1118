// The plugin finds the broker jar of an npm install through module resolution, and runs it with a fixed argv.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { findBrokerJar, jarCommand } from "../broker-jar.js";
import { tempDir } from "./helpers.js";

const brokerPackage = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../broker");

/** A project whose node_modules holds the real @voice-broker/broker module files, with or without a jar. */
function projectWithBroker(dir, { jar = true } = {}) {
  const pkg = path.join(dir, "node_modules", "@voice-broker", "broker");
  fs.mkdirSync(path.join(pkg, "lib"), { recursive: true });
  fs.mkdirSync(path.join(pkg, "jvm"), { recursive: true });
  for (const file of ["package.json", "index.js"]) fs.copyFileSync(path.join(brokerPackage, file), path.join(pkg, file));
  if (jar) fs.writeFileSync(path.join(pkg, "lib", "voice-broker.jar"), "PK");
  fs.writeFileSync(path.join(pkg, "jvm", "broker.args"), "-Xmx128m\n");
  return pkg;
}

describe("findBrokerJar", () => {
  let dir;
  before(() => {
    dir = tempDir("voice-jar-");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("resolves @voice-broker/broker from where the plugin is installed, and runs its jar with a fixed argv", () => {
    const app = path.join(dir, "installed");
    const pkg = projectWithBroker(app);
    const from = pathToFileURL(path.join(app, "node_modules", "@voice-broker", "vite-plugin", "broker-jar.js")).href;
    const found = findBrokerJar(from);
    assert.equal(found.jar, path.join(pkg, "lib", "voice-broker.jar"));
    assert.equal(found.version, JSON.parse(fs.readFileSync(path.join(brokerPackage, "package.json"), "utf8")).version);
    assert.deepEqual(jarCommand(found, { VOICE_JAVA: "/j/java" }),
      ["/j/java", `@${path.join(pkg, "jvm", "broker.args")}`, "-jar", path.join(pkg, "lib", "voice-broker.jar")]);
    fs.rmSync(path.join(pkg, "jvm"), { recursive: true });
    assert.deepEqual(jarCommand(found, { VOICE_JAVA: "/j/java" }), ["/j/java", "-jar", path.join(pkg, "lib", "voice-broker.jar")]);
  });

  test("not installed, or installed without its jar (a checkout): null, so the plugin falls back to ./voice", () => {
    const bare = path.join(dir, "bare");
    fs.mkdirSync(bare);
    assert.equal(findBrokerJar(pathToFileURL(path.join(bare, "x.js")).href), null);
    const noJar = path.join(dir, "nojar");
    projectWithBroker(noJar, { jar: false });
    assert.equal(findBrokerJar(pathToFileURL(path.join(noJar, "x.js")).href), null);
  });
});

describe("the java that runs it", () => {
  test("VOICE_JAVA, else JAVA_HOME's java, else java from PATH", async () => {
    const { javaBinary } = await import("../../broker/index.js");
    const home = tempDir("voice-jdk-");
    try {
      fs.mkdirSync(path.join(home, "bin"));
      fs.writeFileSync(path.join(home, "bin", "java"), "", { mode: 0o755 });
      assert.equal(javaBinary({ VOICE_JAVA: "/opt/jdk21/bin/java", JAVA_HOME: home }), "/opt/jdk21/bin/java");
      assert.equal(javaBinary({ JAVA_HOME: home }), path.join(home, "bin", "java"));
      assert.equal(javaBinary({ JAVA_HOME: path.join(home, "missing") }), "java");
      assert.equal(javaBinary({}), "java");
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
