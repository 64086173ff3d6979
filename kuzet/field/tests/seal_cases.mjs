// Seals records with the field app's crypto.js (WebCrypto in Node, as in the browser) and
// prints the envelopes, for test_envelopes.py to send to the server.
// argv[2]: the folder of the field app's static files. stdin: [{"package", "record", "version"}]
// where "version" 1 or 2 picks sealV1/sealV2 and null lets sealForServer choose.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { sealForServer, sealV1, sealV2, envelopeHash } = await import(pathToFileURL(join(process.argv[2], "crypto.js")).href);
const cases = JSON.parse(readFileSync(0, "utf-8"));
const results = [];
for (const { package: pkg, record, version } of cases) {
  const envelope = version === 1 ? await sealV1(pkg.server_key, record)
    : version === 2 ? await sealV2(pkg.server_key_v2, record) : await sealForServer(pkg, record);
  results.push({ envelope, hash: await envelopeHash(envelope) });
}
process.stdout.write(JSON.stringify(results));
