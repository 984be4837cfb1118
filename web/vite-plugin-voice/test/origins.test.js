// The plugin's allowedOrigins check against the table the broker's Java Origin type is tested on
// (src/test/resources/origins.json, read from the repository: the published package ships no tests).

import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";

import voiceBroker from "../index.js";

const table = JSON.parse(fs.readFileSync(new URL("../../../src/test/resources/origins.json", import.meta.url), "utf8"));

test("the shared origin table has rows of both kinds", () => {
  assert.ok(table.rows.some((row) => row.allowed));
  assert.ok(table.rows.some((row) => !row.allowed));
});

for (const { origin, allowed, why } of table.rows) {
  test(`${allowed ? "allows" : "refuses"} ${JSON.stringify(origin)}: ${why}`, () => {
    const configure = () => voiceBroker({ allowedOrigins: [origin] });
    if (allowed) {
      assert.doesNotThrow(configure);
    } else {
      assert.throws(configure, /allowedOrigins/);
    }
  });
}
