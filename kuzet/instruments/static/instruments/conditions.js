// Kuzet condition language — the JavaScript twin of kuzet/instruments/conditions.py.
// The semantics are documented there; condition-vectors.json is run against both.
// ES module, no dependencies: import { evaluate, holds } from "./conditions.js".

const NUMERIC = /^-?\d+(\.\d+)?$/;
const COMPARISONS = new Set(["=", "!=", "<", "<=", ">", ">="]);

export class ConditionError extends Error {}

export function isEmpty(value) {
  return value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
}

export function truthy(value) {
  if (isEmpty(value) || value === false) return false;
  return !(typeof value === "number" && value === 0);
}

function toNumber(value) {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NUMERIC.test(value)) return Number(value);
  return null;
}

export function asText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(Math.trunc(value)) : String(value);
  if (Array.isArray(value)) return value.map(asText).join(" ");
  return String(value);
}

// Compare strings by code point, as Python does (JS's < compares UTF-16 code units).
function compareText(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

function compare(op, left, right) {
  if (op === "=" || op === "!=") {
    let equal;
    if (isEmpty(left) || isEmpty(right)) {
      equal = isEmpty(left) && isEmpty(right);
    } else if (typeof left === "boolean" || typeof right === "boolean") {
      equal = left === right;
    } else {
      const a = toNumber(left);
      const b = toNumber(right);
      const numeric = a !== null && b !== null && !(typeof left === "string" && typeof right === "string");
      equal = numeric ? a === b : asText(left) === asText(right);
    }
    return op === "=" ? equal : !equal;
  }
  if (isEmpty(left) || isEmpty(right) || typeof left === "boolean" || typeof right === "boolean") return false;
  const a = toNumber(left);
  const b = toNumber(right);
  let order;
  if (a !== null && b !== null && !(typeof left === "string" && typeof right === "string")) {
    order = a < b ? -1 : a > b ? 1 : 0;
  } else {
    order = compareText(asText(left), asText(right));
  }
  if (op === "<") return order < 0;
  if (op === "<=") return order <= 0;
  if (op === ">") return order > 0;
  return order >= 0;
}

function selectedValues(value) {
  if (isEmpty(value)) return [];
  if (Array.isArray(value)) return value.map(asText);
  return asText(value).split(/\s+/).filter((s) => s !== "");
}

function arity(op, args, count) {
  if (args.length !== count) throw new ConditionError(`'${op}' takes ${count} argument(s), got ${args.length}`);
}

function isMapping(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The value of a condition.
 * context: { answers: {...}, instance: {...} | null, self: value }
 */
export function evaluate(condition, context) {
  if (condition === null || ["string", "boolean", "number"].includes(typeof condition)) return condition;
  if (!Array.isArray(condition) || condition.length === 0 || typeof condition[0] !== "string") {
    throw new ConditionError(`not a condition: ${JSON.stringify(condition)}`);
  }
  const [op, ...args] = condition;
  const answers = context.answers || {};
  switch (op) {
    case "ref": {
      arity(op, args, 1);
      const name = args[0];
      if (isMapping(context.instance) && Object.prototype.hasOwnProperty.call(context.instance, name)) {
        return context.instance[name];
      }
      return Object.prototype.hasOwnProperty.call(answers, name) ? answers[name] : null;
    }
    case "self":
      arity(op, args, 0);
      return context.self === undefined ? null : context.self;
    case "and":
      return args.every((a) => truthy(evaluate(a, context)));
    case "or":
      return args.some((a) => truthy(evaluate(a, context)));
    case "not":
      arity(op, args, 1);
      return !truthy(evaluate(args[0], context));
    case "selected":
      arity(op, args, 2);
      return selectedValues(evaluate(args[0], context)).includes(asText(evaluate(args[1], context)));
    case "count-selected":
      arity(op, args, 1);
      return selectedValues(evaluate(args[0], context)).length;
    case "string-length":
      arity(op, args, 1);
      return Array.from(asText(evaluate(args[0], context))).length;
    case "answered":
      arity(op, args, 1);
      return !isEmpty(evaluate(args[0], context));
    case "count":
    case "any":
    case "all": {
      arity(op, args, op === "count" ? 1 : 2);
      let instances = answers[args[0]];
      if (!Array.isArray(instances)) instances = [];
      if (op === "count") return instances.length;
      const test = (inst) => truthy(evaluate(args[1], { answers, instance: isMapping(inst) ? inst : {}, self: null }));
      return op === "any" ? instances.some(test) : instances.every(test);
    }
    default:
      if (COMPARISONS.has(op)) {
        arity(op, args, 2);
        return compare(op, evaluate(args[0], context), evaluate(args[1], context));
      }
      throw new ConditionError(`unknown operator '${op}'`);
  }
}

/** Whether a condition holds; an absent condition (null/undefined) always holds. */
export function holds(condition, context) {
  return condition === null || condition === undefined ? true : truthy(evaluate(condition, context));
}
