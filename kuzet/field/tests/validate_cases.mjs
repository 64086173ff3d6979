// Runs the field app's validateResponse over the cases on stdin and prints the errors,
// for test_validation_twins.py to compare with the server's validate_response.
// argv[2]: a folder laid out as the static files are served (field/, instruments/, quality/), so
// that the modules' relative imports resolve as in the browser.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { validateResponse } = await import(pathToFileURL(join(process.argv[2], "field", "validate.js")).href);
const cases = JSON.parse(readFileSync(0, "utf-8"));
const results = cases.map(({ document, answers }) => validateResponse(document, answers, "en"));
process.stdout.write(JSON.stringify(results));
