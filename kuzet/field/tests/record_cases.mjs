// Runs the field app's recordProblems over the cases on stdin ({type, data, rules}) and
// prints the problems by field, for test_validation_twins.py to compare with the server.
// argv[2]: a folder laid out as the static files are served (field/, instruments/, quality/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { recordProblems } = await import(pathToFileURL(join(process.argv[2], "field", "validate.js")).href);
const cases = JSON.parse(readFileSync(0, "utf-8"));
const results = cases.map(({ type, data, rules }) => recordProblems(type, data, { rules }));
process.stdout.write(JSON.stringify(results));
