// Validates APL documents with Amazon's apl-suggester, offline.
//
// Reads one JSON array from stdin: [{"name": ..., "document": {...}, "datasources": {...}}, ...]
// and writes one JSON object to stdout: {"<name>": [finding, ...], ...}, where a finding is
// {"path", "message", "level"} from the validator (documents and data sources alike). An
// empty list means the validator found nothing. Exit status 0 unless the input is unreadable.
"use strict";

const { StaticAplTemplateValidator } = require("apl-suggester");

async function check(entry) {
  const validator = new StaticAplTemplateValidator();
  const found = [
    ...(await validator.validate(entry.document)),
    ...(await validator.validateDataSources(entry.datasources || {})),
  ];
  return found.map((f) => ({ path: f.path, message: f.errorMessage, level: f.level || "ERROR" }));
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const entries = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = {};
  for (const entry of entries) results[entry.name] = await check(entry);
  process.stdout.write(JSON.stringify(results));
}

// The validator prints notes about mixins to the console: keep stdout for the JSON answer.
console.log = (...args) => process.stderr.write(args.join(" ") + "\n");
main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(2);
});
