// Validates the generated OpenAPI definitions with @apidevtools/swagger-parser
// (OpenAPI 3.0 schema plus reference checks). Run from the repository root:
//
//   node deploy/tools/validate-openapi.mjs [file ...]
//
// With no arguments it checks deploy/openapi.json, deploy/httpapi-openapi.json
// and deploy/examples-openapi.json. Exits non-zero when any file is invalid.
import SwaggerParser from "@apidevtools/swagger-parser";
import { readFile } from "node:fs/promises";

const files = process.argv.slice(2);
if (files.length === 0) {
  files.push("deploy/openapi.json", "deploy/httpapi-openapi.json", "deploy/examples-openapi.json");
}

let failed = 0;
for (const file of files) {
  try {
    const doc = JSON.parse(await readFile(file, "utf8"));
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
