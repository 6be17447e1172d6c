// A Backbone-like widget model for DOM tests of the views: attributes with
// synchronous change events, listener contexts (what TableClient.dispose relies
// on), and custom messages answered asynchronously by `reply`.

type Callback = (...args: never[]) => void;
type Message = Record<string, unknown>;

export class FakeModel {
  attrs: Record<string, unknown>;
  listeners: { event: string; cb: Callback; ctx: unknown }[] = [];
  sent: Message[] = [];
  /** The kernel's answer to a sent message: a message, or a message with buffers. */
  reply: (content: Message) => Message | [Message, DataView[]] | null = () => null;
  /** Answers of several messages (a column reply in chunks): checked before `reply`. */
  replyMany: (content: Message) => [Message, DataView[]][] | null = () => null;

  constructor(attrs: Record<string, unknown>) {
    this.attrs = attrs;
  }
  get(name: string): unknown {
    return this.attrs[name];
  }
  set(name: string, value: unknown): void {
    this.attrs[name] = value;
    this.trigger(`change:${name}`);
  }
  save_changes(): void {}
  on(event: string, cb: Callback, ctx?: unknown): void {
    this.listeners.push({ event, cb, ctx });
  }
  off(event: string | null, cb?: Callback | null, ctx?: unknown): void {
    this.listeners = this.listeners.filter(
      (l) =>
        !(
          (event === null || l.event === event) &&
          (cb == null || l.cb === cb) &&
          (ctx === undefined || l.ctx === ctx)
        ),
    );
  }
  trigger(event: string, ...args: unknown[]): void {
    for (const l of [...this.listeners])
      if (l.event === event) (l.cb as (...a: unknown[]) => void)(...args);
  }
  send(content: Message): void {
    this.sent.push(content);
    const many = this.replyMany(content);
    if (many) {
      for (const [message, buffers] of many) {
        const reply = { request_id: content.request_id, type: "column", ...message };
        setTimeout(() => this.trigger("msg:custom", reply, buffers), 0);
      }
      return;
    }
    const answer = this.reply(content);
    if (!answer) return;
    const [message, buffers] = Array.isArray(answer) ? answer : [answer, []];
    const reply = { request_id: content.request_id, ...message };
    setTimeout(() => this.trigger("msg:custom", reply, buffers), 0);
  }
}

/** A typed-array payload as the kernel sends it. */
export const payload = (
  array: Float32Array | Int32Array | Uint8Array | Uint32Array,
  dtype: string,
) => ({ dtype, shape: [array.length], buffer: new DataView(array.buffer) });

type Served = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function dtypeOf(array: Served): string {
  return array.constructor.name.replace("Array", "").toLowerCase();
}

function base64Of(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/**
 * Make `model` a table that serves `columns` the way the kernel does
 * (nbdatalens/column_stream.py, raw encoding): `column_info` lists them, and a
 * `{type: "column", names}` request is answered with chunks of `chunkRows` rows,
 * interleaved by row range, as buffers or (base64 requests, or `dropBuffers`) as
 * text or nothing. Returns the names of each request, in order.
 */
export function serveColumns(
  model: FakeModel,
  columns: Record<string, Served>,
  options: {
    chunkRows?: number;
    dropBuffers?: boolean;
    categories?: Record<string, string[]>;
  } = {},
): string[][] {
  const asked: string[][] = [];
  const info: Record<string, { version: number; missing: boolean }> = {};
  for (const name of Object.keys(columns)) info[name] = { version: 1, missing: false };
  model.attrs.column_info = info;
  model.replyMany = (content) => {
    if (content.type !== "column") return null;
    const names = content.names as string[];
    asked.push(names);
    const unknown = names.find((name) => !(name in columns));
    if (unknown !== undefined) return [[{ type: "error", error: `no column ${unknown}` }, []]];
    const n = Math.max(...names.map((name) => columns[name].length));
    const rows = options.chunkRows ?? Math.max(1, n);
    const chunks = Math.max(1, Math.ceil(n / rows));
    const out: [Message, DataView[]][] = [];
    for (let k = 0; k < chunks; k++) {
      for (const name of names) {
        const array = columns[name];
        const part = array.slice(k * rows, (k + 1) * rows);
        const bytes = new Uint8Array(part.buffer);
        const header: Message = {
          name,
          version: info[name].version,
          dtype: dtypeOf(array),
          n: array.length,
          encoding: "raw",
          offset: k * rows,
          rows: part.length,
          chunk: k,
          chunks,
        };
        const categories = options.categories?.[name];
        if (k === 0 && categories) header.categories = categories;
        if (content.base64) out.push([{ ...header, data: base64Of(bytes) }, []]);
        else if (options.dropBuffers) out.push([header, []]);
        else out.push([header, [new DataView(part.buffer)]]);
      }
    }
    out[out.length - 1][0].last = true;
    return out;
  };
  return asked;
}
