// Runs the shared text vectors against the JavaScript rules: node --test texts.test.mjs
// The rule data is the JSON the Python test writes (KUZET_TEXT_RULES: its path), the very
// data the offline package carries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { analyse, checkText } from "./texts.js";

const data = JSON.parse(readFileSync(process.env.KUZET_TEXT_RULES, "utf8"));
const { vectors } = JSON.parse(readFileSync(new URL("./text-vectors.json", import.meta.url), "utf8"));

for (const vector of vectors) {
  test(vector.name, () => {
    const seen = analyse(vector.kind, vector.text, data);
    const codes = checkText(vector.kind, vector.text, data, data.messages).map((r) => r.code);
    assert.deepEqual({ ...seen, codes }, vector.expected);
  });
}
