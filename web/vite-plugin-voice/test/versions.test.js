// One version: the Maven project's. Every npm package says the same, and scripts/pack-npm.mjs stamps it anyway.

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { PACKAGES, pomVersion } from "../../../scripts/pack-npm.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

test("every npm package carries the pom's version, a licence, a repository and is publishable", () => {
  const version = pomVersion();
  assert.match(version, /^\d+\.\d+\.\d+$/, "a release version, not a snapshot");
  for (const dir of PACKAGES) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, dir, "package.json"), "utf8"));
    assert.equal(manifest.version, version, `${dir}/package.json says ${manifest.version}, pom.xml says ${version}`);
    assert.equal(manifest.private, undefined, `${dir} is publishable`);
    assert.equal(manifest.license, "MIT");
    assert.equal(manifest.repository?.directory, dir);
    assert.ok(manifest.files.includes("LICENSE") && manifest.exports?.["."]?.types && manifest.engines?.node, dir);
  }
});

test("pomVersion reads the project's version, not a dependency's", () => {
  const pom = "<project><artifactId>voice-broker</artifactId>\n  <!-- why -->\n  <version>1.2.3</version>"
    + "<dependencies><dependency><artifactId>x</artifactId><version>9</version></dependency></dependencies></project>";
  assert.equal(pomVersion(pom), "1.2.3");
});
