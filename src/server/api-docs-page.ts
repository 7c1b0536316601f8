// The /docs page: one self-contained HTML file whose script fetches /openapi.json from the same
// server and renders its endpoints and every task's schemas and examples. Nothing loads from
// elsewhere, which the Content-Security-Policy (with the hashes of the inline script and style) enforces.
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f7f8fa; }
header { background: #1d2430; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
main { display: grid; grid-template-columns: 240px 1fr; gap: 24px; padding: 24px 32px; }
nav { position: sticky; top: 16px; align-self: start; max-height: calc(100vh - 32px); overflow: auto; font-size: 14px; }
nav a { display: block; color: #2456a6; text-decoration: none; padding: 2px 0; }
nav h3 { margin: 16px 0 4px; font-size: 13px; text-transform: uppercase; color: #667; }
section.card { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
h2 { font-size: 18px; margin: 0 0 8px; }
h4 { margin: 14px 0 6px; font-size: 14px; }
.method { display: inline-block; min-width: 52px; text-align: center; border-radius: 4px; color: #fff; font-weight: 600; font-size: 12px; padding: 2px 6px; margin-right: 8px; }
.get { background: #2f7d32; } .post { background: #2456a6; } .put { background: #b26a00; } .delete { background: #b3261e; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
pre { background: #f0f2f5; padding: 10px 12px; border-radius: 6px; overflow: auto; max-height: 360px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; border-bottom: 1px solid #e6e9ee; padding: 5px 8px; vertical-align: top; }
th { color: #556; font-weight: 600; }
.muted { color: #667; }
.tag { display: inline-block; background: #e8eef8; color: #2456a6; border-radius: 10px; padding: 0 8px; font-size: 12px; margin-left: 6px; }
`;

// Plain browser JavaScript; every value from the document goes in through textContent.
const SCRIPT = `
'use strict';
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
};
let doc;
const resolve = (schema) => {
  let node = schema;
  for (let hops = 0; node && node.$ref && hops < 20; hops++) node = node.$ref.slice(2).split('/').reduce((at, key) => at && at[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  return node || {};
};
const refName = (schema) => (schema && schema.$ref ? schema.$ref.split('/').pop() : undefined);
function typeOf(raw) {
  if (!raw || typeof raw !== 'object') return 'any';
  const schema = resolve(raw);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema['x-media']) return schema['x-media'] + ' (base64, data: URI or URL)';
  const union = schema.anyOf || schema.oneOf;
  if (union) return union.map(typeOf).join(' | ');
  if (schema.prefixItems) return '[' + schema.prefixItems.map(typeOf).join(', ') + ']';
  if (schema.type === 'array') return typeOf(schema.items) + '[]';
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return schema.type || (schema.properties ? 'object' : 'any');
}
function constraints(raw) {
  const schema = resolve(raw);
  const parts = [];
  const say = (key, label) => { if (schema[key] !== undefined) parts.push(label + ' ' + JSON.stringify(schema[key])); };
  say('default', 'default'); say('minimum', '≥'); say('exclusiveMinimum', '>'); say('maximum', '≤'); say('exclusiveMaximum', '<');
  say('minLength', 'min length'); say('maxLength', 'max length'); say('minItems', 'min items'); say('maxItems', 'max items'); say('pattern', 'pattern');
  return parts.join(', ');
}
// One row per field, nested objects and arrays of objects flattened into dotted paths.
function rows(raw, path, required, out, depth) {
  const schema = resolve(raw);
  out.push({ path: path || '(value)', type: typeOf(raw), required, description: schema.description || resolve(raw).title || '', constraints: constraints(raw) });
  if (depth > 6) return out;
  const item = schema.type === 'array' ? resolve(schema.items) : undefined;
  const object = item && item.properties ? item : schema.properties ? schema : undefined;
  if (object) {
    const prefix = object === item ? path + '[]' : path;
    for (const [name, child] of Object.entries(object.properties)) rows(child, prefix ? prefix + '.' + name : name, (object.required || []).includes(name), out, depth + 1);
  }
  return out;
}
function fieldTable(schema, skipRoot) {
  const list = rows(schema, '', true, [], 0).slice(skipRoot ? 1 : 0);
  if (list.length === 0) return el('p', { class: 'muted' }, 'None.');
  return el('table', {}, el('tr', {}, ['Field', 'Type', 'Required', 'Description'].map((title) => el('th', {}, title))),
    list.map((row) => el('tr', {}, el('td', {}, el('code', {}, row.path)), el('td', {}, el('code', {}, row.type)), el('td', {}, row.required ? 'yes' : ''),
      el('td', {}, row.description, row.constraints ? el('div', { class: 'muted' }, row.constraints) : ''))));
}
const pretty = (value) => el('pre', {}, JSON.stringify(value, null, 2));
function operationCard(path, method, op) {
  const card = el('section', { class: 'card', id: op.operationId || method + path });
  card.append(el('h2', {}, el('span', { class: 'method ' + method }, method.toUpperCase()), el('code', {}, path), (op.tags || []).map((tag) => el('span', { class: 'tag' }, tag))));
  card.append(el('p', {}, op.summary || ''));
  if (op.description) card.append(el('p', { class: 'muted' }, op.description));
  if (op.parameters && op.parameters.length) {
    card.append(el('h4', {}, 'Parameters'));
    card.append(el('table', {}, el('tr', {}, ['Name', 'In', 'Type', 'Required', 'Description'].map((title) => el('th', {}, title))),
      op.parameters.map((p) => el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in), el('td', {}, el('code', {}, typeOf(p.schema))), el('td', {}, p.required ? 'yes' : ''), el('td', {}, p.description || '')))));
  }
  if (op.requestBody) {
    card.append(el('h4', {}, 'Request body'));
    card.append(el('p', {}, Object.entries(op.requestBody.content).map(([type, media]) => el('div', {}, el('code', {}, type), media.schema && refName(media.schema) ? ' — ' + refName(media.schema) : ''))));
  }
  card.append(el('h4', {}, 'Responses'));
  card.append(el('table', {}, el('tr', {}, el('th', {}, 'Status'), el('th', {}, 'Description')),
    Object.entries(op.responses || {}).map(([status, response]) => el('tr', {}, el('td', {}, el('code', {}, status)), el('td', {}, response.description || '')))));
  return card;
}
function taskCard(id, requestSchema, requestExample, responseExample) {
  const schemas = doc.components.schemas;
  const card = el('section', { class: 'card', id: 'task-' + id });
  card.append(el('h2', {}, requestSchema.title.replace(/ request$/, ''), el('span', { class: 'tag' }, id)));
  card.append(el('p', {}, requestSchema.description || ''));
  card.append(el('h4', {}, 'Input (one; send a list as "inputs" for a batch)'), fieldTable(schemas[id + '.Input'], false));
  card.append(el('h4', {}, 'Parameters'), fieldTable(schemas[id + '.Parameters'], true));
  card.append(el('h4', {}, 'Output (for one input)'), fieldTable(schemas[id + '.Output'], false));
  if (requestExample) card.append(el('h4', {}, 'Example request: POST /api/v1/models/{owner}/{name}/pipeline'), pretty(requestExample.value));
  if (responseExample) card.append(el('h4', {}, 'Example response'), pretty(responseExample.value));
  return card;
}
async function render() {
  const root = document.getElementById('content');
  const nav = document.getElementById('nav');
  try {
    const response = await fetch('openapi.json', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error('openapi.json: HTTP ' + response.status);
    doc = await response.json();
  } catch (error) {
    root.replaceChildren(el('p', {}, 'Could not load the API description: ' + error.message));
    return;
  }
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('subtitle').textContent = doc.info.description || '';
  root.replaceChildren();
  nav.replaceChildren(el('h3', {}, 'Endpoints'));
  root.append(el('h2', {}, 'Endpoints'));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const card = operationCard(path, method, op);
      root.append(card);
      nav.append(el('a', { href: '#' + card.id }, method.toUpperCase() + ' ' + path));
    }
  }
  const pipeline = doc.paths['/api/v1/models/{owner}/{name}/pipeline'].post;
  const requestExamples = pipeline.requestBody.content['application/json'].examples || {};
  const responseExamples = pipeline.responses['200'].content['application/json'].examples || {};
  nav.append(el('h3', {}, 'Tasks'));
  root.append(el('h2', {}, 'Tasks'));
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    if (!name.endsWith('.Request') || !schema['x-moda-task']) continue;
    const id = schema['x-moda-task'];
    root.append(taskCard(id, schema, requestExamples[id], responseExamples[id]));
    nav.append(el('a', { href: '#task-' + id }, schema.title.replace(/ request$/, '')));
  }
}
render();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Moda API</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1 id="title">Moda API</h1><div id="subtitle">Loading the API description…</div></header>
<main><nav id="nav"></nav><div id="content"><noscript>This page renders <a href="openapi.json">openapi.json</a> with JavaScript.</noscript></div></main>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The page and the Content-Security-Policy to send with it. */
export function apiDocsPage(): { html: string; contentSecurityPolicy: string } {
  return {
    html: HTML,
    contentSecurityPolicy: `default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}
