// Evaluations per second of the shared condition vectors in Node (see bench/instruments.py).
import { readFileSync } from "node:fs";
import { evaluate } from "../kuzet/instruments/static/instruments/conditions.js";

const url = new URL("../kuzet/instruments/static/instruments/condition-vectors.json", import.meta.url);
const vectors = JSON.parse(readFileSync(url, "utf8")).vectors.filter((v) => !v.error);
const contexts = vectors.map((v) => [v.condition, { answers: v.answers, instance: v.instance ?? null, self: v.self ?? null }]);
const rounds = 20000;
for (let i = 0; i < 200; i++) for (const [c, ctx] of contexts) evaluate(c, ctx); // warm-up
const started = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) for (const [c, ctx] of contexts) evaluate(c, ctx);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const perSecond = Math.round((rounds * contexts.length) / seconds);
console.log(`condition vectors, JavaScript (Node ${process.version}): ${perSecond.toLocaleString("en")} evaluations/s (${contexts.length} vectors × ${rounds})`);
