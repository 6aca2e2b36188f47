// Reading signed DAG-CBOR (https://ipld.io/specs/codecs/dag-cbor/spec/) with the @ipld/dag-cbor codec, accepting
// only bytes that are the canonical encoding of what they hold. Writing needs nothing beyond the codec's `encode`,
// which is canonical; what a payload may hold is checked before it is encoded (payload.ts, ipld.ts).
//
// This file is also bundled into the audit timeline's webview, a browser, so it uses no Node built-ins.
//
// UCANs are signed over canonical DAG-CBOR, and a validator must see exactly what was signed. The codec's strict
// decoding already refuses indefinite lengths, integers and lengths not in their shortest form, repeated or
// non-string map keys, tags other than 42, undefined, NaN, infinities and trailing bytes. It reads a few
// non-canonical forms without complaint, though: map keys out of order, 16- and 32-bit floats, whole numbers written
// as floats, and invalid UTF-8 (as U+FFFD). Rather than re-implement those rules, the decoded value is encoded again
// with the same codec and must give back the very bytes that were read. Whatever passes is, by construction, what the
// encoder writes, so no two spellings of one token exist and what is validated is what was signed. The extra encode
// of a token of a few hundred bytes costs microseconds.
//
// Two things are added around the codec's decoder, through cborg's `tokenizer` option:
// - a nesting limit (maxIpldDepth): the decoder recurses once per level, and a hostile token of nested one-element
//   lists would otherwise run it to the end of the stack;
// - a string that starts with U+FEFF keeps that character: cborg 6 reads strings with a TextDecoder that drops a
//   leading byte order mark, so such a string (a file's text, say) would come back one character short and fail the
//   canonical check.
import { Token, Tokenizer, Type, decodeFirst, type DecodeOptions } from 'cborg';
import { decodeOptions, encode } from '@ipld/dag-cbor';
import { maxIpldDepth } from './ipld';

export class DagCborError extends Error {
  override readonly name = 'DagCborError';
}

// The codec's reading of tag 42, with its errors saying that a CID is what is wrong.
const cidDecoder = decodeOptions.tags[42]!;
function cidTag(...args: Parameters<typeof cidDecoder>): ReturnType<typeof cidDecoder> {
  try {
    return cidDecoder(...args);
  } catch (error) {
    if (error instanceof DagCborError) throw error;
    throw new DagCborError(`a CID (tag 42) is malformed: ${messageOf(error)}`, { cause: error });
  }
}

// The codec's own options, with undefined refused outright rather than read as null.
const strictOptions: DecodeOptions = {
  ...decodeOptions,
  allowUndefined: false,
  coerceUndefinedToNull: false,
  tags: { ...decodeOptions.tags, 42: cidTag },
};

const keepingBom = new TextDecoder('utf-8', { ignoreBOM: true });
const textEncoder = new TextEncoder();

/** Bytes of a string or bytes item's header: the initial byte, plus 1, 2, 4 or 8 bytes of length. */
function headerLength(initialByte: number): number {
  const info = initialByte & 0x1f;
  return info < 24 ? 1 : 1 + (1 << (info - 24));
}

/** How many bytes a token read from input took; cborg sets this on every token it reads. */
function lengthOf(token: Token): number {
  return token.encodedLength ?? 0;
}

/** cborg's tokenizer with a nesting limit and faithful strings (see the top of the file). */
class GuardedTokenizer {
  private readonly inner: Tokenizer;
  // Items still to read in each open list or map, innermost last; a map of n entries holds 2n items.
  private readonly open: number[] = [];
  private inTag = false;

  constructor(private readonly bytes: Uint8Array) {
    this.inner = new Tokenizer(bytes, strictOptions);
  }

  done(): boolean {
    return this.inner.done();
  }

  pos(): number {
    return this.inner.pos();
  }

  next(): Token {
    const start = this.inner.pos();
    let token = this.inner.next();
    const open = this.open;
    if (this.inTag) {
      // The content of a tag fills the tag's own place. Refusing anything but bytes here also keeps tags from
      // nesting, which would recurse without passing through a list or map.
      if (token.type !== Type.bytes) throw new DagCborError(`a CID (tag 42) must hold bytes (at byte ${start})`);
      this.inTag = false;
    } else {
      while (open.length > 0 && open[open.length - 1] === 0) open.pop();
      if (open.length > 0) open[open.length - 1]!--;
    }
    if (token.type === Type.array || token.type === Type.map) {
      const items = token.type === Type.map ? 2 * (token.value as number) : (token.value as number);
      if (items > 0) {
        open.push(items);
        if (open.length > maxIpldDepth) throw new DagCborError(`data nested more than ${maxIpldDepth} levels deep (at byte ${start})`);
      }
    } else if (token.type === Type.tag) {
      this.inTag = true;
    } else if (token.type === Type.string && lengthOf(token) >= 4) {
      const bytes = this.bytes;
      const content = start + headerLength(bytes[start]!);
      if (bytes[content] === 0xef && bytes[content + 1] === 0xbb && bytes[content + 2] === 0xbf) {
        const end = start + lengthOf(token);
        token = new Token(Type.string, keepingBom.decode(bytes.subarray(content, end)), lengthOf(token));
      }
    }
    return token;
  }
}

// A plain loop: multiformats' `equals` is an order of magnitude slower here, and Buffer is not there in a browser.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CBOR decode error: /, '');
}

// Says what makes `given` differ from `canonical`, the codec's encoding of what `given` decodes to. Only failures
// come here, so it may take its time: it walks both token by token to the first one whose bytes differ.
function nonCanonicalReason(given: Uint8Array, canonical: Uint8Array): string {
  try {
    return firstDifference(given, canonical);
  } catch {
    return 'the bytes are not the canonical encoding of what they hold';
  }
}

function firstDifference(given: Uint8Array, canonical: Uint8Array): string {
  const ours = new GuardedTokenizer(given);
  const theirs = new GuardedTokenizer(canonical);
  while (!ours.done() && !theirs.done()) {
    const at = ours.pos();
    const mine = ours.next();
    const theirsAt = theirs.pos();
    const expected = theirs.next();
    const mineBytes = given.subarray(at, at + lengthOf(mine));
    if (sameBytes(mineBytes, canonical.subarray(theirsAt, theirsAt + lengthOf(expected)))) continue;
    const where = ` (at byte ${at})`;
    if (mine.type === Type.string) {
      if (!sameBytes(textEncoder.encode(mine.value as string), mineBytes.subarray(headerLength(mineBytes[0]!)))) {
        return `a string is not valid UTF-8${where}`;
      }
      // A valid string in another string's place: the decoded data is the same, so only map keys can have moved.
      return `map keys are not sorted length-first then bytewise${where}`;
    }
    if (mine.type === Type.float) {
      if (expected.type !== Type.float) return `a whole number is written as a float; DAG-CBOR writes it as an integer${where}`;
      if (lengthOf(mine) !== 9) return `floats must be 64-bit in DAG-CBOR${where}`;
    }
    return `the item is not in its canonical form${where}`;
  }
  return 'the bytes are not the canonical encoding of what they hold';
}

/**
 * Decodes exactly one DAG-CBOR item and checks that the bytes are its canonical encoding; throws a DagCborError that
 * says what is wrong. Values come out as @ipld/dag-cbor gives them: integers beyond 2^53 as bigint, bytes as
 * Uint8Array (copies), links as CID, maps as plain objects.
 */
export function decodeCanonicalDagCbor(bytes: Uint8Array): unknown {
  // A plain view: cborg copies bytes out of its input with slice(), which on a Node Buffer would share the
  // token's memory instead.
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokenizer = new GuardedTokenizer(plain);
  let value: unknown;
  let rest: Uint8Array;
  try {
    [value, rest] = decodeFirst(plain, { ...strictOptions, tokenizer });
  } catch (error) {
    if (error instanceof DagCborError) throw error;
    throw new DagCborError(`${messageOf(error)} (at byte ${tokenizer.pos()})`, { cause: error });
  }
  if (rest.length > 0) throw new DagCborError(`${rest.length} trailing bytes after the item (at byte ${tokenizer.pos()})`);
  let canonical: Uint8Array;
  try {
    canonical = encode(value);
  } catch (error) {
    throw new DagCborError(`what the bytes hold cannot be encoded again: ${messageOf(error)}`, { cause: error });
  }
  if (!sameBytes(plain, canonical)) throw new DagCborError(nonCanonicalReason(plain, canonical));
  return value;
}
