// Reading signed DAG-CBOR (https://ipld.io/specs/codecs/dag-cbor/spec/) with the @ipld/dag-cbor codec, accepting
// only bytes that are the canonical encoding of what they hold. Writing needs nothing beyond the codec's `encode`,
// which is canonical; what a payload may hold is checked before it is encoded (payload.ts, ipld.ts).
//
// This file is also bundled into the audit timeline's webview, a browser, so it uses no Node built-ins.
//
// UCANs are signed over canonical DAG-CBOR, and a validator must see exactly what was signed. "Canonical" here
// means: the bytes are exactly what the codec's `encode` writes for the value they decode to, so no two spellings
// of one token exist and what is validated is what was signed.
//
// The codec's strict decoding (cborg's tokenizer with @ipld/dag-cbor's options) already refuses indefinite
// lengths, integers, lengths and tag numbers not in their shortest form, repeated or non-string map keys, tags
// other than 42, undefined, NaN, infinities and trailing bytes. Every integer, byte string, list and map header it
// accepts is therefore the one the encoder writes. It reads a few non-canonical forms without complaint, though,
// and the tokenizer below refuses each of them as its token is read, with the byte where it starts:
// - map keys out of order: the encoder sorts keys by their encoded bytes, shorter first, then bytewise (RFC 7049
//   §3.9; cborg's mapSorter). Each key is compared with the one before it in the same map. A string key's encoded
//   bytes are its header (which grows with the length) and its UTF-8, so comparing whole tokens is that order.
// - floats: the encoder writes a number as an integer when it is a safe integer (-0 included, which it writes as
//   0) and as a 64-bit float otherwise. So a float must take 9 bytes and must not hold a safe integer.
// - strings that are not valid UTF-8: the decoder reads a bad sequence as U+FFFD, which the encoder would write as
//   three other bytes. A string read from bad UTF-8 therefore always holds U+FFFD, and only strings that hold one
//   are read again, with a decoder that refuses bad UTF-8. Valid UTF-8 decodes and encodes back to the same bytes.
// - CIDs (tag 42) whose bytes are not the CID's own: the encoder writes 0x00 and then the CID's bytes, which the
//   multiformats parser puts together again from the parts it read. So the CID's bytes must equal what follows
//   the 0x00. (The parser already refuses varints longer than needed; what gets through is a version 0 CID with
//   an explicit version and codec in front, which it reads as the bare multihash.)
// - a map whose "/" and "bytes" entries are one and the same non-null value (two equal strings, numbers or
//   booleans, or two empty byte strings, which cborg hands out as one shared object): the encoder takes such a map
//   for a link from another copy of multiformats and does not write it as a map (ipld.ts refuses to sign one).
// Nothing else is left to differ: booleans and null have one form each, bytes are copied as they are, and a list
// or map is its header and its items. test/unit/ucanCanonical.test.ts checks this claim against the earlier way of
// doing it, encoding the decoded value again and comparing bytes, on thousands of mutated encodings.
//
// Two more things are added around the codec's decoder, through the same tokenizer:
// - a nesting limit (maxIpldDepth): the decoder recurses once per level, and a hostile token of nested one-element
//   lists would otherwise run it to the end of the stack;
// - a string that starts with U+FEFF keeps that character: cborg 6 reads strings with a TextDecoder that drops a
//   leading byte order mark, so such a string (a file's text, say) would come back one character short.
import { Token, Tokenizer, Type, tokensToObject, type DecodeOptions, type TagDecodeControl } from 'cborg';
import { decodeOptions } from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sameBytes } from './bytes';
import { maxIpldDepth } from './ipld';

export class DagCborError extends Error {
  override readonly name = 'DagCborError';
}

// What is wrong with a CID; the decoder adds where it starts.
class CidProblem extends Error {}

// The codec's reading of tag 42 (a 0x00 byte, then the CID's bytes), plus the check that those bytes are the
// CID's own. The tokenizer has made sure the content is bytes.
function cidTag(decode: TagDecodeControl): CID {
  const content = decode() as Uint8Array;
  if (content[0] !== 0) throw new CidProblem('a CID (tag 42) is malformed: expected leading 0x00');
  const cidBytes = content.subarray(1);
  let cid: CID;
  try {
    cid = CID.decode(cidBytes);
  } catch (error) {
    throw new CidProblem(`a CID (tag 42) is malformed: ${messageOf(error)}`, { cause: error });
  }
  if (!sameBytes(cid.bytes, cidBytes)) {
    throw new CidProblem(
      'a CID (tag 42) is not in its canonical form: its bytes read as a CID that is written otherwise ' +
        '(a version 0 CID is its bare multihash, with no version or codec in front)',
    );
  }
  return cid;
}

// The codec's own options, with undefined refused outright rather than read as null.
const strictOptions: DecodeOptions = {
  ...decodeOptions,
  allowUndefined: false,
  coerceUndefinedToNull: false,
  tags: { ...decodeOptions.tags, 42: cidTag },
};

const keepingBom = new TextDecoder('utf-8', { ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

/** Bytes of a string or bytes item's header: the initial byte, plus 1, 2, 4 or 8 bytes of length. */
function headerLength(initialByte: number): number {
  const info = initialByte & 0x1f;
  return info < 24 ? 1 : 1 + (1 << (info - 24));
}

/** How many bytes a token read from input took; cborg sets this on every token it reads. */
function lengthOf(token: Token): number {
  return token.encodedLength ?? 0;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^CBOR decode error: /, '');
}

// In `keyStart`, a level that is a list rather than a map, and a map whose first key is still to come.
const listLevel = -2;
const noKeyYet = -1;
// What a key just read means for the value after it (see the "/" and "bytes" rule at the top of the file).
const plainKey = 0;
const slashKey = 1;
const bytesKey = 2;
const noValue: unique symbol = Symbol('no value');

/** cborg's tokenizer, refusing non-canonical tokens as it reads them (see the top of the file). */
class CanonicalTokenizer {
  private readonly inner: Tokenizer;
  // One entry per open list or map, innermost last: the items still to read in it (a map of n entries holds 2n),
  // and for a map where its last key started and ended.
  private readonly remaining: number[] = [];
  private readonly keyStart: number[] = [];
  private readonly keyEnd: number[] = [];
  private inTag = false;
  /** Where the last tag started, for errors about its CID. */
  tagAt = 0;
  private afterKey = plainKey;
  // The value of a "/" key, by nesting level of its map; only made when such a key is seen.
  private slashValues: Map<number, unknown> | undefined;

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
    const type = token.type;
    const remaining = this.remaining;
    let isKey = false;
    let level = -1;
    if (this.inTag) {
      // The content of a tag fills the tag's own place. Refusing anything but bytes here also keeps tags from
      // nesting, which would recurse without passing through a list or map.
      if (type !== Type.bytes) throw new DagCborError(`a CID (tag 42) must hold bytes (at byte ${start})`);
      this.inTag = false;
    } else {
      while (remaining.length > 0 && remaining[remaining.length - 1] === 0) remaining.pop();
      level = remaining.length - 1;
      if (level >= 0) {
        const left = --remaining[level]!;
        // A map's items alternate key, value; with 2n to read, a key leaves an odd number behind it.
        isKey = (left & 1) === 1 && this.keyStart[level]! !== listLevel;
      }
    }

    if (type === Type.string) {
      const length = lengthOf(token);
      const bytes = this.bytes;
      const content = start + headerLength(bytes[start]!);
      if (length >= 4 && bytes[content] === 0xef && bytes[content + 1] === 0xbb && bytes[content + 2] === 0xbf) {
        token = new Token(Type.string, keepingBom.decode(bytes.subarray(content, start + length)), length);
      }
      if ((token.value as string).includes('\ufffd')) {
        try {
          strictUtf8.decode(bytes.subarray(content, start + length));
        } catch {
          throw new DagCborError(`a string is not valid UTF-8 (at byte ${start})`);
        }
      }
      if (isKey) this.checkKey(token.value as string, level, start, start + length);
    } else if (type === Type.float) {
      if (Number.isSafeInteger(token.value)) {
        throw new DagCborError(`a whole number is written as a float; DAG-CBOR writes it as an integer (at byte ${start})`);
      }
      if (lengthOf(token) !== 9) throw new DagCborError(`floats must be 64-bit in DAG-CBOR (at byte ${start})`);
    } else if (type === Type.array || type === Type.map) {
      const items = type === Type.map ? 2 * (token.value as number) : (token.value as number);
      if (items > 0) {
        remaining.push(items);
        // Levels only ever grow one at a time, so this overwrites a closed level's entry or appends.
        this.keyStart[remaining.length - 1] = type === Type.map ? noKeyYet : listLevel;
        this.slashValues?.delete(remaining.length - 1);
        if (remaining.length > maxIpldDepth) {
          throw new DagCborError(`data nested more than ${maxIpldDepth} levels deep (at byte ${start})`);
        }
      }
    } else if (type === Type.tag) {
      this.inTag = true;
      this.tagAt = start;
    }

    if (this.afterKey !== plainKey && !isKey) this.checkLinkLike(level, token, start);
    return token;
  }

  private checkKey(key: string, level: number, start: number, end: number): void {
    const bytes = this.bytes;
    const previousStart = this.keyStart[level]!;
    if (previousStart !== noKeyYet) {
      const previousEnd = this.keyEnd[level]!;
      let order = end - start - (previousEnd - previousStart);
      for (let i = 0; order === 0 && i < end - start; i++) order = bytes[start + i]! - bytes[previousStart + i]!;
      // Equal keys are left to the codec, which refuses them as repeated.
      if (order < 0) throw new DagCborError(`map keys are not sorted length-first then bytewise (at byte ${start})`);
    }
    this.keyStart[level] = start;
    this.keyEnd[level] = end;
    this.afterKey = key === '/' ? slashKey : key === 'bytes' ? bytesKey : plainKey;
  }

  // `token` starts the value of a "/" or "bytes" key. Only a terminal token can be the very value of another
  // entry (lists, maps and CIDs are new objects each time); keys sort "/" before "bytes".
  private checkLinkLike(level: number, token: Token, start: number): void {
    const value = token.type.terminal ? (token.value as unknown) : noValue;
    if (this.afterKey === slashKey) {
      (this.slashValues ??= new Map()).set(level, value);
    } else {
      const slash = this.slashValues?.get(level) ?? noValue;
      if (slash !== noValue && slash !== null && slash === value) {
        throw new DagCborError(
          'a map whose "/" and "bytes" entries are the same value is read as a link by DAG-CBOR encoders, ' +
            `so it has no canonical encoding (at byte ${start})`,
        );
      }
    }
    this.afterKey = plainKey;
  }
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
  // cborg's decodeFirst would copy the options twice per call to add the tokenizer; its tokensToObject takes the
  // tokenizer as it is, and returns a marker instead of a value only when there is nothing to read (or a break,
  // which the strict options refuse before).
  if (plain.length === 0) throw new DagCborError('did not find any content to decode (at byte 0)');
  const tokenizer = new CanonicalTokenizer(plain);
  let value: unknown;
  try {
    value = tokensToObject(tokenizer, strictOptions);
  } catch (error) {
    if (error instanceof DagCborError) throw error;
    if (error instanceof CidProblem) throw new DagCborError(`${error.message} (at byte ${tokenizer.tagAt})`, { cause: error });
    throw new DagCborError(`${messageOf(error)} (at byte ${tokenizer.pos()})`, { cause: error });
  }
  if (typeof value === 'symbol') throw new DagCborError(`did not find any content to decode (at byte ${tokenizer.pos()})`);
  const rest = plain.length - tokenizer.pos();
  if (rest > 0) throw new DagCborError(`${rest} trailing bytes after the item (at byte ${tokenizer.pos()})`);
  return value;
}
