import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CompactRange,
  EMPTY_ROOT,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  leafHashSource,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../../daemon/src/audit/merkle';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

// The RFC 6962 reference inputs and tree heads (the Certificate Transparency test vectors).
const CT_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_LEAVES = CT_INPUTS.map(hashLeaf);

/** MTH straight from the RFC's recursive definition, to check the incremental tree against. */
function referenceRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

const many = Array.from({ length: 70 }, (_, i) => hashLeaf(Buffer.from(`record ${i}`)));
const roots = Array.from({ length: many.length + 1 }, (_, n) => rootOfLeaves(many.slice(0, n)));

test('leaf and node hashes use the RFC 9162 domain-separation prefixes', () => {
  const data = Buffer.from('a record');
  assert.equal(hex(hashLeaf(data)), createHash('sha256').update(Buffer.concat([Buffer.of(0), data])).digest('hex'));
  const l = hashLeaf(Buffer.from('l'));
  const r = hashLeaf(Buffer.from('r'));
  assert.equal(hex(hashChildren(l, r)), createHash('sha256').update(Buffer.concat([Buffer.of(1), l, r])).digest('hex'));
  assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('the incremental tree gives the RFC 6962 reference roots for sizes 1 to 8', () => {
  const range = new CompactRange();
  assert.equal(hex(range.root()), hex(EMPTY_ROOT));
  CT_LEAVES.forEach((leaf, i) => {
    range.append(leaf);
    assert.equal(hex(range.root()), CT_ROOTS[i], `root at size ${i + 1}`);
  });
});

test('the incremental tree agrees with the recursive definition for every size up to 70', () => {
  for (let n = 0; n <= many.length; n++) assert.equal(hex(roots[n] as Uint8Array), hex(referenceRoot(many.slice(0, n))), `size ${n}`);
});

test('the compact range keeps one hash per set bit of the size and emits nodes in post-order', () => {
  const range = new CompactRange();
  const emitted: string[] = [];
  for (let i = 0; i < 4; i++) range.append(many[i] as Uint8Array, (node) => emitted.push(hex(node)));
  assert.equal(range.peaks.length, 1);
  const [a, b, c, d] = many.slice(0, 4) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const ab = hashChildren(a, b);
  const cd = hashChildren(c, d);
  assert.deepEqual(emitted, [a, b, ab, c, d, cd, hashChildren(ab, cd)].map(hex));
  range.append(many[4] as Uint8Array);
  range.append(many[5] as Uint8Array);
  range.append(many[6] as Uint8Array);
  assert.equal(range.peaks.length, 3);
});

test('generated inclusion proofs match the RFC 6962 reference proofs', () => {
  const source = leafHashSource(CT_LEAVES);
  assert.deepEqual(inclusionProof(0, 8, source).map(hex), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual(inclusionProof(5, 8, source).map(hex), [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
  assert.deepEqual(inclusionProof(0, 1, source), []);
});

test('generated consistency proofs match the RFC 6962 reference proofs', () => {
  const source = leafHashSource(CT_LEAVES);
  assert.deepEqual(consistencyProof(2, 8, source).map(hex), [
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  assert.deepEqual(consistencyProof(6, 8, source).map(hex), [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
  assert.deepEqual(consistencyProof(8, 8, source), []);
});

test('every inclusion proof of every tree size up to 70 verifies', () => {
  const source = leafHashSource(many);
  for (let n = 1; n <= many.length; n++) {
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(i, n, source);
      assert.equal(verifyInclusion(i, n, many[i] as Uint8Array, proof, roots[n] as Uint8Array), true, `leaf ${i} of ${n}`);
    }
  }
});

test('every consistency proof between tree sizes up to 40 verifies', () => {
  const source = leafHashSource(many);
  for (let n = 1; n <= 40; n++) {
    for (let m = 1; m <= n; m++) {
      const proof = consistencyProof(m, n, source);
      assert.equal(verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array), true, `${m} → ${n}`);
    }
  }
});

function flipped(proof: Uint8Array[], at: number): Uint8Array[] {
  return proof.map((h, i) => {
    if (i !== at) return h;
    const copy = new Uint8Array(h);
    copy[7] = (copy[7] as number) ^ 0x01;
    return copy;
  });
}

test('an inclusion proof with a flipped byte, a dropped or added hash, or a wrong index or size is rejected', () => {
  const source = leafHashSource(many);
  for (let n = 2; n <= 33; n++) {
    const root = roots[n] as Uint8Array;
    for (let i = 0; i < n; i++) {
      const leaf = many[i] as Uint8Array;
      const proof = inclusionProof(i, n, source);
      for (let at = 0; at < proof.length; at++) assert.equal(verifyInclusion(i, n, leaf, flipped(proof, at), root), false, `flip ${at} of ${i}/${n}`);
      assert.equal(verifyInclusion(i, n, leaf, proof.slice(0, -1), root), false, `dropped ${i}/${n}`);
      assert.equal(verifyInclusion(i, n, leaf, proof.slice(1), root), false, `dropped first ${i}/${n}`);
      assert.equal(verifyInclusion(i, n, leaf, [...proof, new Uint8Array(32)], root), false, `padded ${i}/${n}`);
      assert.equal(verifyInclusion(i, n, leaf, [], root), false, `empty ${i}/${n}`);
      assert.equal(verifyInclusion((i + 1) % n, n, leaf, proof, root), false, `wrong index ${i}/${n}`);
      // A size whose path has another shape must fail. (Sizes with the very same path shape compute the
      // same root, which is why a checkpoint signs the size together with the root.)
      for (const other of [n - 1, n + 1, 2 * n, n + 7]) {
        if (other > i && inclusionProof(i, other, source).length !== proof.length) {
          assert.equal(verifyInclusion(i, other, leaf, proof, root), false, `wrong size ${other} for ${i}/${n}`);
        }
      }
      assert.equal(verifyInclusion(i, n, many[(i + 1) % n] as Uint8Array, proof, root), false, `wrong leaf ${i}/${n}`);
      assert.equal(verifyInclusion(i, n, leaf, proof, roots[n - 1] as Uint8Array), false, `wrong root ${i}/${n}`);
    }
  }
});

test('inclusion verification refuses size 0, an index at or past the size, and garbage input', () => {
  const source = leafHashSource(CT_LEAVES);
  const proof = inclusionProof(5, 8, source);
  const root = unhex(CT_ROOTS[7] as string);
  const leaf = CT_LEAVES[5] as Uint8Array;
  assert.equal(verifyInclusion(5, 8, leaf, proof, root), true);
  assert.equal(verifyInclusion(0, 0, leaf, [], root), false);
  assert.equal(verifyInclusion(8, 8, leaf, proof, root), false);
  assert.equal(verifyInclusion(-1, 8, leaf, proof, root), false);
  assert.equal(verifyInclusion(1.5, 8, leaf, proof, root), false);
  assert.equal(verifyInclusion(5, 8, leaf.subarray(0, 31), proof, root), false);
  assert.equal(verifyInclusion(5, 8, leaf, proof, root.subarray(1)), false);
  assert.equal(verifyInclusion(5, 8, leaf, [new Uint8Array(31), ...proof.slice(1)], root), false);
  assert.equal(verifyInclusion(5, 8, leaf, 'not a proof' as unknown as Uint8Array[], root), false);
  assert.equal(verifyInclusion(5, 8, null as unknown as Uint8Array, proof, root), false);
  // A one-leaf tree: the empty proof is the only valid one, and the leaf is the root.
  assert.equal(verifyInclusion(0, 1, CT_LEAVES[0] as Uint8Array, [], unhex(CT_ROOTS[0] as string)), true);
  assert.equal(verifyInclusion(0, 1, CT_LEAVES[0] as Uint8Array, [new Uint8Array(32)], unhex(CT_ROOTS[0] as string)), false);
});

test('a consistency proof with a flipped byte, a dropped or added hash, or swapped roots is rejected', () => {
  const source = leafHashSource(many);
  for (let n = 2; n <= 33; n++) {
    for (let m = 1; m < n; m++) {
      const r1 = roots[m] as Uint8Array;
      const r2 = roots[n] as Uint8Array;
      const proof = consistencyProof(m, n, source);
      for (let at = 0; at < proof.length; at++) assert.equal(verifyConsistency(m, n, flipped(proof, at), r1, r2), false, `flip ${at} ${m}→${n}`);
      assert.equal(verifyConsistency(m, n, proof.slice(0, -1), r1, r2), false, `dropped ${m}→${n}`);
      assert.equal(verifyConsistency(m, n, [...proof, new Uint8Array(32)], r1, r2), false, `padded ${m}→${n}`);
      assert.equal(verifyConsistency(m, n, [], r1, r2), false, `empty ${m}→${n}`);
      assert.equal(verifyConsistency(m, n, proof, r2, r1), false, `swapped roots ${m}→${n}`);
      assert.equal(verifyConsistency(n, m, proof, r2, r1), false, `swapped sizes ${m}→${n}`);
      for (const other of [n + 1, 2 * n, n + 5]) {
        if (consistencyProof(m, other, source).length !== proof.length) {
          assert.equal(verifyConsistency(m, other, proof, r1, r2), false, `wrong size ${other} for ${m}→${n}`);
        }
      }
      if (m > 1 && consistencyProof(m - 1, n, source).length !== proof.length) {
        assert.equal(verifyConsistency(m - 1, n, proof, r1, r2), false, `wrong old size ${m}→${n}`);
      }
    }
  }
});

test('consistency verification refuses size 0, garbage input and unequal roots of equal sizes', () => {
  const r4 = roots[4] as Uint8Array;
  const r8 = roots[8] as Uint8Array;
  assert.equal(verifyConsistency(0, 8, [], EMPTY_ROOT, r8), false);
  assert.equal(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT), false);
  assert.equal(verifyConsistency(4, 4, [], r4, r4), true);
  assert.equal(verifyConsistency(4, 4, [], r4, r8), false);
  assert.equal(verifyConsistency(4, 4, [r4], r4, r4), false);
  assert.equal(verifyConsistency(4, 8, [new Uint8Array(31)], r4, r8), false);
  assert.equal(verifyConsistency(4, 8, null as unknown as Uint8Array[], r4, r8), false);
  assert.equal(verifyConsistency(4, 8, consistencyProof(4, 8, leafHashSource(many)), r4.subarray(1), r8), false);
  assert.equal(verifyConsistency(Number.NaN, 8, [], r4, r8), false);
});

test('the proof generators refuse impossible ranges', () => {
  const source = leafHashSource(CT_LEAVES);
  assert.throws(() => inclusionProof(8, 8, source), RangeError);
  assert.throws(() => inclusionProof(0, 0, source), RangeError);
  assert.throws(() => inclusionProof(0, 9, source), RangeError);
  assert.throws(() => consistencyProof(0, 8, source), RangeError);
  assert.throws(() => consistencyProof(5, 3, source), RangeError);
});
