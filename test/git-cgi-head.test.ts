// The CGI header block of `git http-backend` output: status, headers, and the body bytes after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCgiHead } from '../src/protocols/git/parse-cgi-head.js';

void test('a CRLF header block with a Status line', () => {
  const head = parseCgiHead(Buffer.from('Status: 403 Forbidden\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT\r\n\r\nbody\r\n\r\nmore'));
  assert.equal(head?.status, 403);
  assert.deepEqual(head?.headers, { 'content-type': 'text/plain', expires: 'Fri, 01 Jan 1980 00:00:00 GMT' });
  assert.equal(head?.rest.toString(), 'body\r\n\r\nmore');
});

void test('LF-only lines, no Status (200), and hop-by-hop headers dropped', () => {
  const head = parseCgiHead(Buffer.from('Content-Type: application/x-git-upload-pack-result\nTransfer-Encoding: chunked\nConnection: close\n\n\x00\x01'));
  assert.equal(head?.status, 200);
  assert.deepEqual(head?.headers, { 'content-type': 'application/x-git-upload-pack-result' });
  assert.deepEqual([...(head?.rest ?? [])], [0, 1]);
});

void test('an incomplete block is not parsed yet; a Location without Status is a redirect', () => {
  assert.equal(parseCgiHead(Buffer.from('Content-Type: text/plain\r\n')), undefined);
  assert.equal(parseCgiHead(Buffer.from('Location: /x\r\n\r\n'))?.status, 302);
  assert.equal(parseCgiHead(Buffer.from('Status: nonsense\r\n\r\n'))?.status, 200);
});
