// Checks every HTTP exchange the integration tests recorded (one JSON object per line:
// method, target, status, content_type, body) against the OpenAPI document: the path, method
// and status are documented, the content type is one the document names, and a JSON body
// validates against its schema.
//   node validate_responses.mjs openapi.json responses.jsonl
import fs from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [documentPath, logPath] = process.argv.slice(2);
const document = JSON.parse(fs.readFileSync(documentPath, "utf8"));
const base = "https://shopd.invalid/openapi.json";
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...document, $id: base });

const pointer = (...parts) =>
  parts.map((part) => String(part).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

// Templates with fewer parameters first, so /api/notifications/stream beats a {param}.
const templates = Object.keys(document.paths)
  .map((template) => ({
    template,
    pattern: new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
    parameters: (template.match(/\{/g) || []).length,
  }))
  .sort((a, b) => a.parameters - b.parameters);

const validators = new Map();
function validatorFor(schemaPointer) {
  if (!validators.has(schemaPointer)) {
    validators.set(schemaPointer, ajv.compile({ $ref: `${base}#${schemaPointer}` }));
  }
  return validators.get(schemaPointer);
}

// The response object and the JSON pointer it lives at, following one $ref.
function responseAt(template, method, status) {
  const operation = document.paths[template][method];
  const key = operation.responses[status] ? String(status) : "default";
  let response = operation.responses[key];
  let at = pointer("", "paths", template, method, "responses", key);
  if (response && response.$ref) {
    at = response.$ref.slice(1);
    response = at.split("/").slice(1).reduce((node, part) => node[part.replaceAll("~1", "/").replaceAll("~0", "~")], document);
  }
  return { response, at };
}

const failures = [];
const exercised = new Set();
let checked = 0;
for (const line of fs.readFileSync(logPath, "utf8").split("\n")) {
  if (!line.trim()) continue;
  const exchange = JSON.parse(line);
  const path = exchange.target.split("?")[0];
  const method = exchange.method.toLowerCase();
  const where = `${exchange.method} ${exchange.target} -> ${exchange.status}`;
  const match = templates.find(({ pattern }) => pattern.test(path));
  checked += 1;
  if (!match) {
    failures.push(`${where}: path not in the document`);
    continue;
  }
  if (!document.paths[match.template][method]) {
    if (exchange.status !== 405) failures.push(`${where}: method not in the document`);
    continue;
  }
  exercised.add(`${method} ${match.template}`);
  const { response, at } = responseAt(match.template, method, exchange.status);
  if (!response) {
    failures.push(`${where}: status ${exchange.status} not documented for ${match.template}`);
    continue;
  }
  const mediaType = (exchange.content_type || "").split(";")[0].trim();
  if (!response.content) {
    if (exchange.body) failures.push(`${where}: a body where the document describes none`);
    continue;
  }
  if (!response.content[mediaType]) {
    failures.push(`${where}: content type '${mediaType}' not documented (${Object.keys(response.content)})`);
    continue;
  }
  if (!mediaType.endsWith("json")) continue;
  const validate = validatorFor(`${at}/${pointer("content", mediaType, "schema")}`);
  if (!validate(JSON.parse(exchange.body))) {
    failures.push(`${where}: ${ajv.errorsText(validate.errors)}`);
  }
}

const operations = Object.entries(document.paths).flatMap(([template, item]) =>
  Object.keys(item).map((method) => `${method} ${template}`));
const untouched = operations.filter((operation) => !exercised.has(operation));
console.log(`exercised ${exercised.size} of ${operations.length} operations; not exercised: ${untouched.join(", ") || "none"}`);
for (const failure of failures) console.log(`FAIL ${failure}`);
console.log(`${checked - failures.length} passed, ${failures.length} failed`);
if (checked === 0) {
  console.log("no responses were recorded");
  process.exit(1);
}
process.exit(failures.length === 0 ? 0 : 1);
