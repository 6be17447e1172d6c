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
