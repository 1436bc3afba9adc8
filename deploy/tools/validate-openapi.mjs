// Validates the rendered OpenAPI documents with @apidevtools/swagger-parser
// (the OpenAPI 3 schema plus reference checks). Run from anywhere:
//
//   node deploy/tools/validate-openapi.mjs [file ...]
//
// With no arguments it checks every document `sessiongate render` wrote in
// this repository: deploy/openapi.json and deploy/httpapi-openapi.json (both
// required), and examples/*/openapi.json and examples/*/httpapi-openapi.json
// where they exist. Exits non-zero when any file is missing or invalid.
// Needs `npm ci` in deploy/tools (scripts/install-test-deps.sh runs it).
import SwaggerParser from "@apidevtools/swagger-parser";
import { readFile, readdir, access } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const rendered = ["openapi.json", "httpapi-openapi.json"];

async function exists(file) {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

// The repository's rendered documents, as paths relative to the root.
async function defaultFiles() {
  const files = rendered.map((name) => path.join("deploy", name)); // required
  let examples = [];
  try {
    examples = (await readdir(path.join(root, "examples"), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  for (const dir of examples) {
    for (const name of rendered) {
      const rel = path.join("examples", dir, name);
      if (await exists(path.join(root, rel))) files.push(rel);
    }
  }
  return files;
}

const files = process.argv.length > 2 ? process.argv.slice(2) : await defaultFiles();

let failed = 0;
for (const file of files) {
  const abs = path.isAbsolute(file) || process.argv.length > 2 ? path.resolve(file) : path.join(root, file);
  try {
    const doc = JSON.parse(await readFile(abs, "utf8"));
    if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) {
      throw new Error(`not an OpenAPI 3 document (openapi: ${JSON.stringify(doc.openapi)})`);
    }
    const api = await SwaggerParser.validate(doc);
    console.log(`ok   ${file}: ${api.info.title}, ${Object.keys(api.paths).length} paths`);
  } catch (err) {
    failed++;
    console.error(`FAIL ${file}: ${err.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
