import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CheckpointError,
  checkpointOrigin,
  createCheckpointSigner,
  formatVerifierKey,
  keyIdFor,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  verifyCheckpoint,
  verifyNote,
} from '../../daemon/src/audit/checkpoint';

// The example of the C2SP signed-note specification.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const seed = (n: number): Uint8Array => createHash('sha256').update(`checkpoint test key ${n}`).digest();
const ORIGIN = 'signet.local/test/0123456789abcdef';
const signer = createCheckpointSigner(ORIGIN, seed(1));
const vkey = formatVerifierKey(signer.keyName, signer.publicKey);
const root = createHash('sha256').update('some root').digest();

test('the signed-note specification example verifies with its verifier key', () => {
  const key = parseVerifierKey(SPEC_VKEY);
  assert.equal(key.keyName, 'example.com/foo');
  assert.equal(Buffer.from(key.keyId).toString('hex'), '530d903a');
  assert.equal(verifyNote(SPEC_NOTE, key), 'This is an example message.\n');
  assert.throws(() => verifyNote(SPEC_NOTE.replace('example message', 'example massage'), key), CheckpointError);
});

test('a verifier key is name+hex key ID+base64(0x01 ‖ public key) with the key ID of the spec', () => {
  const [name, id, material] = vkey.split('+') as [string, string, string];
  assert.equal(name, ORIGIN);
  const expectedId = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${ORIGIN}\n`), Buffer.of(0x01), signer.publicKey]))
    .digest()
    .subarray(0, 4);
  assert.equal(id, expectedId.toString('hex'));
  assert.deepEqual(Buffer.from(keyIdFor(ORIGIN, signer.publicKey)), expectedId);
  assert.deepEqual(Buffer.from(material, 'base64'), Buffer.concat([Buffer.of(1), signer.publicKey]));
  assert.equal(parseVerifierKey(vkey).text, vkey);
});

test('a signed checkpoint has the tlog-checkpoint layout and verifies', () => {
  const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, signer);
  const [origin, size, rootLine, blank, sigLine, end] = note.split('\n');
  assert.equal(origin, ORIGIN);
  assert.equal(size, '42');
  assert.equal(rootLine, root.toString('base64'));
  assert.equal(blank, '');
  assert.match(sigLine as string, new RegExp(`^— ${ORIGIN} [A-Za-z0-9+/]+=*$`));
  assert.equal(end, '');
  const checkpoint = verifyCheckpoint(note, vkey);
  assert.equal(checkpoint.size, 42);
  assert.deepEqual(Buffer.from(checkpoint.rootHash), root);
});

test('a checkpoint whose size, root or origin was altered is rejected as badly signed', () => {
  const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, signer);
  assert.throws(() => verifyCheckpoint(note.replace('\n42\n', '\n43\n'), vkey), /does not verify/);
  const otherRoot = createHash('sha256').update('another root').digest().toString('base64');
  assert.throws(() => verifyCheckpoint(note.replace(root.toString('base64'), otherRoot), vkey), /does not verify/);
  assert.throws(() => verifyCheckpoint(note.replace('signet.local/test/', 'signet.local/tset/'), vkey), /does not verify/);
});

test('a checkpoint signed by another key of the same name is refused, and unknown signatures are ignored', () => {
  const impostor = createCheckpointSigner(ORIGIN, seed(2));
  const forged = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, impostor);
  assert.throws(() => verifyCheckpoint(forged, vkey), /no signature by/);
  // A cosignature by an unknown key next to the log's own signature does not matter.
  const genuine = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, signer);
  const cosigned = genuine + forged.slice(forged.lastIndexOf('— '));
  assert.equal(verifyCheckpoint(cosigned, vkey).size, 42);
});

test('malformed notes and checkpoints are refused with a reason', () => {
  const note = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: root }, signer);
  const bad = [
    note.replace('\n\n', '\n'), // no blank line before the signatures
    note.slice(0, -1), // no final newline
    note.replace('— ', '- '), // not an em dash
    note.replace('\n7\n', '\n07\n'), // leading zero
    note.replace('\n7\n', '\n-7\n'),
    note.replace(ORIGIN, `${ORIGIN}\t`), // a control character
    note.replace(root.toString('base64'), 'not base64!'),
    `${ORIGIN}\n7\n\n— ${ORIGIN} AAAA\n`, // too few lines and a short signature
  ];
  for (const text of bad) assert.throws(() => verifyCheckpoint(text, vkey), CheckpointError, JSON.stringify(text));
  assert.throws(() => parseCheckpoint('\n7\nAAAA\n\n— a AAAAAAA=\n'), CheckpointError);
});

test('verifier keys that are malformed, of another type, or small-order are refused', () => {
  const [name, id, material] = vkey.split('+') as [string, string, string];
  assert.throws(() => parseVerifierKey(`${name}+${id}`), CheckpointError);
  assert.throws(() => parseVerifierKey(`${name}+00000000+${material}`), /does not match/);
  const otherType = Buffer.from(material, 'base64');
  otherType[0] = 0x02;
  assert.throws(() => parseVerifierKey(`${name}+${id}+${otherType.toString('base64')}`), /signature type/);
  // The identity point (0x01 followed by zeros) accepts forged signatures: never a usable key.
  const identity = new Uint8Array(32);
  identity[0] = 1;
  assert.throws(() => formatVerifierKey('x.example/log', identity), /small-order/);
  const forgedVkey = `x.example/log+${Buffer.from(keyIdFor('x.example/log', identity)).toString('hex')}+${Buffer.concat([Buffer.of(1), identity]).toString('base64')}`;
  assert.throws(() => parseVerifierKey(forgedVkey), /small-order/);
});

test('the origin names the user and the home folder, and differs between homes', () => {
  const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
  const a = checkpointOrigin(did, '/tmp/signet-home-a');
  const b = checkpointOrigin(did, '/tmp/signet-home-b');
  assert.match(a, /^signet\.local\/[A-Za-z0-9]{16}\/[0-9a-f]{16}$/);
  assert.ok(a.includes('nnEGta2doK'));
  assert.notEqual(a, b);
  assert.doesNotThrow(() => createCheckpointSigner(a, seed(3)));
});
