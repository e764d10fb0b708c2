// Checks the dashboard's answers against its OpenAPI 3.1 document with
// ajv (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses): fetches the
// document from the server, then each URL given, and validates the body
// against the schema the document gives for that path and status.
// Usage: node openapi_check.mjs BASE_URL PATH_AND_QUERY...
// Prints one line per URL; exits 1 if any answer does not validate or a
// status is not documented.
import Ajv2020 from 'ajv/dist/2020.js';

const [base, ...urls] = process.argv.slice(2);
const doc = await (await fetch(base + '/api/openapi.json')).json();
if (doc.openapi !== '3.1.0') throw new Error('not an OpenAPI 3.1 document');

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', s => !Number.isNaN(Date.parse(s)));
// The components as one schema, so "#/components/schemas/X" resolves.
ajv.addSchema({ $id: 'openapi', components: doc.components });
const fix = s => JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"openapi#/components/'));

function schemaFor(path, status) {
  const op = doc.paths[path]?.get;
  if (!op) return { error: `path ${path} is not documented` };
  let resp = op.responses[String(status)];
  if (!resp) return { error: `status ${status} of ${path} is not documented` };
  if (resp.$ref) resp = doc.components.responses[resp.$ref.split('/').pop()];
  const json = resp.content?.['application/json'];
  return json ? { schema: fix(json.schema) } : { none: true };
}

let failed = 0;
for (const u of urls) {
  const res = await fetch(base + u);
  const path = u.split('?')[0];
  const { schema, error, none } = schemaFor(path, res.status);
  const text = await res.text();
  if (error) { failed++; console.log(`FAIL ${u}: ${error}`); continue; }
  if (none) { console.log(`ok   ${u} ${res.status} (no JSON body documented)`); continue; }
  let body;
  try { body = JSON.parse(text); } catch { failed++; console.log(`FAIL ${u}: not JSON`); continue; }
  const validate = ajv.compile(schema);
  if (validate(body)) {
    console.log(`ok   ${u} ${res.status}`);
  } else {
    failed++;
    console.log(`FAIL ${u} ${res.status}: ` + ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 2000));
  }
}
// Every documented path was asked at least once.
for (const p of Object.keys(doc.paths))
  if (!urls.some(u => u.split('?')[0] === p)) { failed++; console.log(`FAIL ${p}: documented but not checked`); }
console.log(`openapi: ${urls.length - failed} valid, ${failed} failed`);
process.exit(failed ? 1 : 0);
