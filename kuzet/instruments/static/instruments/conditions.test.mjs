// Runs the shared condition vectors against the JavaScript evaluator: node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { evaluate, ConditionError } from "./conditions.js";

const { vectors } = JSON.parse(readFileSync(new URL("./condition-vectors.json", import.meta.url), "utf8"));

for (const vector of vectors) {
  test(vector.name, () => {
    const context = { answers: vector.answers, instance: vector.instance ?? null, self: vector.self ?? null };
    if (vector.error) {
      assert.throws(() => evaluate(vector.condition, context), ConditionError);
    } else {
      assert.deepEqual(evaluate(vector.condition, context), vector.expected);
    }
  });
}
