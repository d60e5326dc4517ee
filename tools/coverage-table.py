#!/usr/bin/env python3
# Writes docs/coverage.md: every operation of the official document with how far the sandbox
# emulates it, from `tripletex-sandbox coverage --format json`.
#
#   tools/coverage-table.py [BINARY]      (default: cargo run -q --)
import json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
command = [sys.argv[1]] if len(sys.argv) > 1 else ['cargo', 'run', '-q', '--']
report = json.loads(subprocess.run(command + ['coverage', '--format', 'json'], check=True,
                                   capture_output=True, text=True, cwd=ROOT).stdout)
counts = report['counts']
lines = [
    '# Coverage of the official document',
    '',
    f"{counts['total']} operations of Tripletex's official OpenAPI document 2.74.00: "
    f"{counts['semantic']} semantic, {counts['stateful']} stateful, {counts['declared']} declared (501).",
    '',
    '- **semantic**: hand-written behaviour, or the engine with a resource\'s own rules (numbering, '
    'default accounts, lines, validation);',
    '- **stateful**: the engine\'s generic behaviour for the operation\'s shape (list, get, create, update, '
    'delete, bulk, settings), stored per company, entitlement-checked;',
    '- **declared**: routed and answered 501 naming the operation (an override can answer it).',
    '',
    'Made by `tools/coverage-table.py`; `GET /_sandbox/coverage` and `tripletex-sandbox coverage` give '
    'the same list.',
    '',
    '| level | method | path | kind | resource |',
    '|---|---|---|---|---|',
]
for op in report['operations']:
    lines.append(f"| {op['level']} | {op['method']} | `{op['path']}` | {op.get('kind', '')} | {op.get('resource', '')} |")
open(os.path.join(ROOT, 'docs', 'coverage.md'), 'w').write('\n'.join(lines) + '\n')
print(f"docs/coverage.md: {counts}", file=sys.stderr)
