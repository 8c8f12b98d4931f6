import { spawnSync } from 'node:child_process';

// Debian's python3-jsonschema: a real draft 2020-12 validator, as an editor or CI tool would use.
const VALIDATE = `
import json, sys
from jsonschema import Draft202012Validator
with open(sys.argv[1]) as handle:
    schema = json.load(handle)
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
result = []
for document in json.load(sys.stdin):
    result.append([("/".join(str(part) for part in error.absolute_path) + ": " if error.absolute_path else "") + error.message
                   for error in validator.iter_errors(document)])
print(json.dumps(result))
`;

/**
 * Validate documents against a JSON Schema file with python3-jsonschema.
 * Returns each document's errors as "path: message" ("message" at the root).
 */
export function validateWithJsonSchema(schemaFile: string, documents: unknown[]): string[][] {
  const result = spawnSync('/usr/bin/python3', ['-c', VALIDATE, schemaFile], {
    input: JSON.stringify(documents),
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.status !== 0) throw new Error(`python3-jsonschema failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}
