// Reassembling a column from the kernel's chunks (nbdatalens/column_stream.py).
//
// A column reply is one message per chunk of at most 2 MiB: a header naming the
// column, its version, wire dtype, length, encoding ("raw" or "linear") and the
// rows it carries, with the bytes as one binary buffer or, on hosts that drop
// buffers, as base64 text in `data`. Linear columns decode to float32:
// low + k * ((high - low) / steps), the largest code meaning missing (NaN).

import { asBytes, type Bytes, type DType } from "./codec";

export type ColumnArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface ChunkHeader {
  name: string;
  version: number;
  dtype: string;
  n: number;
  encoding: "raw" | "linear";
  low?: number;
  high?: number;
  steps?: number;
  offset: number;
  rows: number;
  chunk: number;
  chunks: number;
  categories?: string[];
  data?: string;
}

/** Thrown when a chunk carries neither a buffer nor base64 text: the host dropped it. */
export class BuffersDropped extends Error {
  constructor(name: string) {
    super(`nbdatalens: the host delivered column ${name} without its binary buffer`);
    this.name = "BuffersDropped";
  }
}

const RAW: Record<string, new (n: number) => ColumnArray> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};
const ITEM: Record<string, number> = {
  uint8: 1,
  uint16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** The float32 value of every code of a linear column (the largest code is missing). */
function linearValues(item: 1 | 2, low: number, step: number): Float32Array {
  const values = new Float32Array(item === 1 ? 256 : 65536);
  for (let k = 0; k < values.length - 1; k++) values[k] = low + k * step;
  values[values.length - 1] = Number.NaN;
  return values;
}

// One loop per code width, so each stays monomorphic (a million rows a column).
function decode8(codes: Uint8Array, values: Float32Array, out: Float32Array, at: number): void {
  for (let i = 0; i < codes.length; i++) out[at + i] = values[codes[i]];
}

function decode16(codes: Uint16Array, values: Float32Array, out: Float32Array, at: number): void {
  for (let i = 0; i < codes.length; i++) out[at + i] = values[codes[i]];
}

/** Collects one column's chunks into one typed array (in any arrival order). */
export class ColumnAssembler {
  readonly name: string;
  readonly version: number;
  readonly categories: string[] | undefined;
  private readonly seen = new Set<number>();
  private readonly chunks: number;
  private readonly n: number;
  private readonly dtype: string;
  private readonly linear: boolean;
  private data: ColumnArray | null = null;

  constructor(first: ChunkHeader) {
    if (RAW[first.dtype as DType] === undefined) {
      throw new TypeError(`column ${first.name}: dtype ${first.dtype}`);
    }
    if (first.encoding === "linear" && first.dtype !== "uint8" && first.dtype !== "uint16") {
      throw new TypeError(`column ${first.name}: a linear column has uint8 or uint16 codes`);
    }
    this.name = first.name;
    this.version = first.version;
    this.chunks = first.chunks;
    this.categories = first.categories;
    this.n = first.n;
    this.dtype = first.dtype;
    this.linear = first.encoding === "linear";
  }

  /** The rows so far: a linear column's missing rows are NaN, a raw column's 0. */
  get array(): ColumnArray {
    if (this.data === null) {
      this.data = this.linear
        ? new Float32Array(this.n).fill(Number.NaN)
        : new RAW[this.dtype](this.n);
    }
    return this.data;
  }

  get complete(): boolean {
    return this.seen.size >= this.chunks;
  }

  /** How many of the column's chunks have arrived. */
  get received(): number {
    return this.seen.size;
  }

  /** Add one chunk (its header and the buffer the message carried, if any). */
  add(header: ChunkHeader, buffer: Bytes | undefined): void {
    if (header.categories !== undefined && this.categories === undefined) {
      (this as { categories: string[] | undefined }).categories = header.categories;
    }
    let bytes: Uint8Array;
    if (typeof header.data === "string") bytes = asBytes(header.data);
    else if (buffer !== undefined && buffer !== null) bytes = asBytes(buffer);
    else throw new BuffersDropped(header.name);
    const item = ITEM[header.dtype];
    if (bytes.byteLength !== header.rows * item) {
      throw new RangeError(
        `column ${header.name}: chunk ${header.chunk} needs ${header.rows * item} bytes, got ${bytes.byteLength}`,
      );
    }
    if (header.offset < 0 || header.offset + header.rows > this.n) {
      throw new RangeError(`column ${header.name}: chunk ${header.chunk} is outside its rows`);
    }
    // An aligned array of the wire dtype (a chunk's bytes may start anywhere in
    // its message), copied: the column must not keep the message alive.
    const ctor = RAW[header.dtype];
    const codes = new ctor(header.rows);
    new Uint8Array(codes.buffer).set(bytes);
    const whole = header.offset === 0 && header.rows === this.n;
    if (header.encoding === "linear") {
      // A column in one chunk needs no NaN for rows still to come.
      if (this.data === null && whole) this.data = new Float32Array(this.n);
      const out = this.array as Float32Array;
      const low = header.low ?? 0;
      const steps = header.steps ?? 1;
      const step = steps > 0 ? ((header.high ?? low) - low) / steps : 0;
      const values = linearValues(item === 1 ? 1 : 2, low, step);
      if (item === 1) decode8(codes as Uint8Array, values, out, header.offset);
      else decode16(codes as Uint16Array, values, out, header.offset);
    } else if (this.data === null && whole) {
      this.data = codes;
    } else {
      this.array.set(codes, header.offset);
    }
    this.seen.add(header.chunk);
  }
}
