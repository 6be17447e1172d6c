// Typed-array payloads and the selection codec (docs/architecture.md).
//
// Both directions mirror nbdatalens/transport.py byte for byte; the shared
// fixture in tests/fixtures/selection_cases.json keeps them from drifting.

import { countSelected, positionsOf } from "./selection";

export type DType = "uint8" | "uint16" | "int32" | "uint32" | "float32" | "float64";

export type TypedArray =
  | Uint8Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * Bytes as a widget host delivers them: ipywidgets gives a DataView; a test an
 * ArrayBuffer or a Uint8Array; hosts that re-encode binary values other forms:
 * marimo turns a Uint8Array into a plain object of index -> byte, some JSON
 * paths give a number array or a base64 string. {@link asBytes} reads them all.
 */
export type Bytes =
  | DataView
  | ArrayBuffer
  | ArrayBufferView
  | Readonly<Record<string, number>>
  | readonly number[]
  | string;

/** One column as the table model sends it: `{dtype, shape, buffer}`. */
export interface ArrayPayload {
  dtype: string;
  shape: readonly number[];
  buffer: Bytes;
}

/** Alias of {@link ArrayPayload}. */
export type Payload = ArrayPayload;

type TypedArrayConstructor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const CONSTRUCTORS: Record<DType, TypedArrayConstructor> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** Selection kind byte: the rest is sorted little-endian uint32 row positions. */
export const SELECTION_POSITIONS = 0;
/** Selection kind byte: the rest is a bitmask of ceil(N/8) bytes, bit i&7 of byte i>>3. */
export const SELECTION_BITMASK = 1;

// Typed arrays use the platform byte order while the wire format is little-endian;
// every browser we target is little-endian, the DataView path keeps others correct.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function describe(data: unknown): string {
  if (data === null) return "null";
  if (typeof data !== "object") return typeof data;
  return (data as object).constructor?.name ?? "object";
}

function fromByteList(values: ArrayLike<unknown>, what: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new TypeError(`${what}: item ${i} is ${String(v)}, expected a byte 0..255`);
    }
    out[i] = v;
  }
  return out;
}

function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError("bytes: the string is not valid base64");
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * View any accepted byte container as a Uint8Array (over the same memory where
 * there is one): DataView, ArrayBuffer, any typed array, a plain object of
 * index -> byte (marimo's re-encoding of a Uint8Array), a number array or a
 * base64 string. Throws TypeError naming what it got otherwise.
 */
export function asBytes(data: Bytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === "string") return fromBase64(data);
  if (Array.isArray(data)) return fromByteList(data, "bytes: number array");
  if (typeof data === "object" && data !== null) {
    const record = data as Record<string, unknown>;
    const keys = Object.keys(record);
    const values = new Array<unknown>(keys.length);
    for (const key of keys) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= keys.length) {
        throw new TypeError(
          `bytes: an object of bytes needs the keys 0..${keys.length - 1}, got key "${key}"`,
        );
      }
      values[index] = record[key];
    }
    return fromByteList(values, "bytes: object of index -> byte");
  }
  throw new TypeError(
    `expected DataView, ArrayBuffer, a typed array, an object of index -> byte, a number array or a base64 string, got ${describe(data)}`,
  );
}

/**
 * Bytes as a DataView, the one form every widget host sends as binary: marimo
 * keeps only DataView values binary and JSON-encodes a Uint8Array as an object.
 * Every `model.set` of bytes goes through this.
 */
export function toDataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Turn a typed-array payload into a typed array over the same memory.
 *
 * Copies only when the buffer's byte offset is not a multiple of the element
 * size (typed arrays cannot view unaligned memory). The result is flat; the
 * shape is checked against the byte length.
 *
 * @example decodeArray({dtype: "float32", shape: [2], buffer: view}) // Float32Array(2)
 */
export function decodeArray(payload: ArrayPayload): TypedArray {
  const ctor = CONSTRUCTORS[payload.dtype as DType];
  if (ctor === undefined) {
    throw new TypeError(
      `payload dtype "${payload.dtype}" is not one of ${Object.keys(CONSTRUCTORS).join(", ")}`,
    );
  }
  let length = 1;
  for (const dim of payload.shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new RangeError(`payload shape [${payload.shape.join(", ")}] has a bad dimension`);
    }
    length *= dim;
  }
  const bytes = asBytes(payload.buffer);
  const itemSize = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== length * itemSize) {
    throw new RangeError(
      `payload of ${payload.dtype} [${payload.shape.join(", ")}] needs ${length * itemSize} bytes, got ${bytes.byteLength}`,
    );
  }
  if (bytes.byteOffset % itemSize === 0) {
    return new ctor(bytes.buffer, bytes.byteOffset, length);
  }
  const copy = new ctor(length);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

function rangeError(message: string): RangeError {
  return new RangeError(`selection: ${message}`);
}

/** Check the kind byte and length of an encoded selection; returns its bytes (empty = none). */
function checkedSelection(data: Bytes | null | undefined, nRows: number): Uint8Array {
  if (!Number.isInteger(nRows) || nRows < 0) throw rangeError(`n_rows must be >= 0, got ${nRows}`);
  if (data === null || data === undefined) return new Uint8Array(0);
  const bytes = asBytes(data);
  if (bytes.length === 0) return bytes;
  const kind = bytes[0];
  if (kind === SELECTION_POSITIONS) {
    if ((bytes.length - 1) % 4 !== 0) {
      throw rangeError(`positions need 4 bytes each, got ${bytes.length - 1} bytes`);
    }
  } else if (kind === SELECTION_BITMASK) {
    const expected = 1 + Math.ceil(nRows / 8);
    if (bytes.length !== expected) {
      throw rangeError(`bitmask for ${nRows} rows needs ${expected} bytes, got ${bytes.length}`);
    }
    const tailBits = nRows & 7;
    if (tailBits !== 0 && bytes[bytes.length - 1] >> tailBits !== 0) {
      throw rangeError(`bitmask has bits set past row ${nRows - 1}`);
    }
  } else {
    throw rangeError(`unknown kind byte ${kind} (expected 0 = positions or 1 = bitmask)`);
  }
  return bytes;
}

/** The uint32 positions of a kind-0 selection, copied into an aligned array and checked. */
function readPositions(bytes: Uint8Array, nRows: number): Uint32Array {
  const count = (bytes.length - 1) >> 2;
  const positions = new Uint32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(positions.buffer).set(bytes.subarray(1));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + 1, count * 4);
    for (let i = 0; i < count; i++) positions[i] = view.getUint32(i * 4, true);
  }
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const p = positions[i];
    if (p <= previous) throw rangeError(`positions are not strictly increasing at index ${i}`);
    previous = p;
  }
  if (count > 0 && previous >= nRows) {
    throw rangeError(`position ${previous} is out of range for ${nRows} rows`);
  }
  return positions;
}

/**
 * Decode a selection into a mask of `nRows` bytes, 1 = selected.
 *
 * `null` or empty bytes mean nothing selected. Throws RangeError on a bad kind
 * byte, a wrong length, or positions that are unsorted or out of range.
 */
export function decodeSelection(data: Bytes | null | undefined, nRows: number): Uint8Array {
  const bytes = checkedSelection(data, nRows);
  const mask = new Uint8Array(nRows);
  if (bytes.length === 0) return mask;
  if (bytes[0] === SELECTION_POSITIONS) {
    const positions = readPositions(bytes, nRows);
    for (let i = 0; i < positions.length; i++) mask[positions[i]] = 1;
    return mask;
  }
  const nBytes = bytes.length - 1;
  for (let b = 0; b < nBytes; b++) {
    const byte = bytes[b + 1];
    if (byte === 0) continue;
    const base = b * 8;
    const end = Math.min(8, nRows - base);
    for (let bit = 0; bit < end; bit++) mask[base + bit] = (byte >> bit) & 1;
  }
  return mask;
}

// Set bits per byte value, so counting a bitmask costs one lookup per 8 rows.
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Decode a selection into sorted row positions (same checks as {@link decodeSelection}). */
export function decodeSelectionPositions(
  data: Bytes | null | undefined,
  nRows: number,
): Uint32Array {
  const bytes = checkedSelection(data, nRows);
  if (bytes.length === 0) return new Uint32Array(0);
  if (bytes[0] === SELECTION_POSITIONS) return readPositions(bytes, nRows);
  let count = 0;
  for (let b = 1; b < bytes.length; b++) count += POPCOUNT[bytes[b]];
  // Branch-free like positionsOf: write every bit's row, advance on set bits only.
  const positions = new Uint32Array(count + 1);
  let k = 0;
  for (let b = 1; b < bytes.length; b++) {
    const byte = bytes[b];
    if (byte === 0) continue;
    const base = (b - 1) * 8;
    for (let bit = 0; bit < 8; bit++) {
      positions[k] = base + bit;
      k += (byte >> bit) & 1;
    }
  }
  return positions.subarray(0, count);
}

/** Positions are shorter than the bitmask when 4·k <= ceil(N/8); a tie goes to positions. */
function positionsAreShorter(count: number, nRows: number): boolean {
  return 4 * count <= Math.ceil(nRows / 8);
}

function encodePositionBytes(positions: Uint32Array): Uint8Array {
  const out = new Uint8Array(1 + 4 * positions.length);
  out[0] = SELECTION_POSITIONS;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(positions.buffer, positions.byteOffset, positions.byteLength), 1);
  } else {
    const view = new DataView(out.buffer, 1);
    for (let i = 0; i < positions.length; i++) view.setUint32(i * 4, positions[i], true);
  }
  return out;
}

/**
 * Encode a selection mask (any non-zero byte = selected) in the shorter of the
 * two kinds; nothing selected gives zero bytes. `count`: the selected rows,
 * when the caller has counted them already.
 *
 * @example encodeSelection(Uint8Array.of(0, 1, 0)) // Uint8Array [0, 1, 0, 0, 0]
 */
export function encodeSelection(mask: Uint8Array, count = countSelected(mask)): Uint8Array {
  const nRows = mask.length;
  if (count === 0) return new Uint8Array(0);
  if (positionsAreShorter(count, nRows)) return encodePositionBytes(positionsOf(mask, count));
  const out = new Uint8Array(1 + Math.ceil(nRows / 8));
  out[0] = SELECTION_BITMASK;
  const fullBytes = nRows >>> 3;
  for (let b = 0; b < fullBytes; b++) {
    const i = b * 8;
    // (v + 255) >> 8 turns any non-zero byte into 1 without a branch.
    out[b + 1] =
      ((mask[i] + 255) >> 8) |
      (((mask[i + 1] + 255) >> 8) << 1) |
      (((mask[i + 2] + 255) >> 8) << 2) |
      (((mask[i + 3] + 255) >> 8) << 3) |
      (((mask[i + 4] + 255) >> 8) << 4) |
      (((mask[i + 5] + 255) >> 8) << 5) |
      (((mask[i + 6] + 255) >> 8) << 6) |
      (((mask[i + 7] + 255) >> 8) << 7);
  }
  for (let i = fullBytes * 8; i < nRows; i++) {
    if (mask[i] !== 0) out[fullBytes + 1] |= 1 << (i & 7);
  }
  return out;
}

/**
 * Encode sorted, distinct row positions (each < `nRows`) in the shorter kind.
 * Throws RangeError when they are unsorted, repeated or out of range.
 */
export function encodeSelectionPositions(positions: Uint32Array, nRows: number): Uint8Array {
  if (!Number.isInteger(nRows) || nRows < 0) throw rangeError(`n_rows must be >= 0, got ${nRows}`);
  let previous = -1;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    if (p <= previous) throw rangeError(`positions are not strictly increasing at index ${i}`);
    previous = p;
  }
  if (positions.length === 0) return new Uint8Array(0);
  if (previous >= nRows) throw rangeError(`position ${previous} is out of range for ${nRows} rows`);
  if (positionsAreShorter(positions.length, nRows)) return encodePositionBytes(positions);
  const out = new Uint8Array(1 + Math.ceil(nRows / 8));
  out[0] = SELECTION_BITMASK;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    out[(p >>> 3) + 1] |= 1 << (p & 7);
  }
  return out;
}

/** True when two encoded selections are byte-identical (the echo guard of a view). */
export function selectionBytesEqual(
  a: Bytes | null | undefined,
  b: Bytes | null | undefined,
): boolean {
  const x = a == null ? new Uint8Array(0) : asBytes(a);
  const y = b == null ? new Uint8Array(0) : asBytes(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
