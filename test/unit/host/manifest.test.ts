/**
 * package.json as VS Code reads it: JSON.parse keeps the last of two equal keys, so a second
 * "view/item/context" once silently dropped the runs tree's Resume from Checkpoint. Every object in the
 * manifest has distinct keys, and no menu lists one command twice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');

/** Keys that occur twice in one object of a JSON text (a small scanner: strings, objects, arrays). */
export function duplicateKeys(json: string): string[] {
  const found: string[] = [];
  const stack: { keys: Set<string>; isObject: boolean; path: string }[] = [];
  let i = 0;
  let expectKey = false;
  let lastKey = '';
  while (i < json.length) {
    const ch = json[i];
    if (ch === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const s = JSON.parse(json.slice(i, j + 1)) as string;
      const top = stack[stack.length - 1];
      if (top?.isObject && expectKey) {
        if (top.keys.has(s)) found.push(`${top.path}/${s}`);
        top.keys.add(s);
        lastKey = s;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === '{' || ch === '[') {
      const parent = stack[stack.length - 1];
      stack.push({ keys: new Set(), isObject: ch === '{', path: parent ? `${parent.path}/${parent.isObject ? lastKey : '[]'}` : '' });
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') expectKey = stack[stack.length - 1]?.isObject ?? false;
    i++;
  }
  return found;
}

test('the scanner finds a key given twice, and only then', () => {
  assert.deepEqual(duplicateKeys('{"a": {"m": [1, {"x": "}"}], "m": 2}, "b": "\\"m\\""}'), ['/a/m']);
  assert.deepEqual(duplicateKeys('{"a": [{"k": 1}, {"k": 2}], "b": {"k": 3}}'), []);
});

test('package.json: no object has a key twice', () => {
  assert.deepEqual(duplicateKeys(text), []);
});

test('package.json: no menu lists a command twice under the same condition', () => {
  const menus = JSON.parse(text).contributes.menus as Record<string, { command?: string; when?: string }[]>;
  for (const [menu, items] of Object.entries(menus)) {
    const seen = new Set<string>();
    for (const it of items) {
      const key = `${it.command} when ${it.when ?? ''}`;
      assert.ok(!seen.has(key), `${menu}: ${key} twice`);
      seen.add(key);
    }
  }
  // The runs tree's context menu keeps Resume from Checkpoint (lost to the duplicate key before).
  assert.ok(menus['view/item/context'].some((m) => m.command === 'flowmorph.resumeRun'));
});
