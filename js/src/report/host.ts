// The in-page host of a self-contained report (Python: nbdatalens.views.report): widget
// models rebuilt from the state the kernel serialized at export, a widget manager that
// resolves `IPY_MODEL_` references between them, and a responder that answers the
// views' data requests from the replies computed at export. No kernel, no network.

import type { RawModel } from "../lib/table_client";

type Callback = (...args: never[]) => void;
type Message = Record<string, unknown>;

/** One widget as exported: ipywidgets' state, binary values split off as base64. */
export interface ExportedWidget {
  model_name: string;
  state: Record<string, unknown>;
  /** `[path into state, base64 bytes]`, as ipywidgets' `_remove_buffers` split them. */
  buffers: [(string | number)[], string][];
}

/** A reply computed at export by the kernel's own handler. */
export interface ExportedReply {
  reply: Message;
  buffers: string[];
}

/** Everything the report page embeds (the JSON in `#nbdl-report-data`). */
export interface ReportData {
  title: string;
  created: string;
  n: number;
  /** Model id of the table model. */
  table: string;
  models: Record<string, ExportedWidget>;
  children: { id: string; kind: string; wide: boolean }[];
  /** Every row's sample id as text, in table order. */
  ids: string[];
  thumb_size: number;
  /** pos → [thumbs reply item, base64 buffer]. */
  thumbs: Record<string, [Message, string]>;
  rows: Record<string, Message>;
  audio: Record<string, ExportedReply>;
  history: Record<string, Message>;
  /** name → the kernel's chunk replies for that column, bytes as base64 `data`. */
  columns: Record<string, Message[]>;
  epochs: Record<string, ExportedReply>;
  not_in_report: string;
}

/** Base64 → bytes, as a DataView (what ipywidgets hands the views). */
export function fromBase64(text: string): DataView {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new DataView(bytes.buffer);
}

/** Put each buffer back at its path in the state (ipywidgets' `put_buffers`). */
export function putBuffers(
  state: Record<string, unknown>,
  buffers: ExportedWidget["buffers"],
): Record<string, unknown> {
  for (const [path, data] of buffers) {
    let node = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]] = fromBase64(data);
  }
  return state;
}

interface Manager {
  get_model(id: string): Promise<RawModel>;
}

/** A Backbone-like widget model: attributes with synchronous change events, listener
 * contexts (TableClient.dispose relies on them) and custom messages given to `responder`. */
export class ReportModel implements RawModel {
  readonly model_id: string;
  readonly widget_manager: Manager;
  private readonly attrs: Record<string, unknown>;
  private listeners: { event: string; cb: Callback; ctx: unknown }[] = [];
  responder: ((content: Message) => void) | null = null;

  constructor(id: string, attrs: Record<string, unknown>, manager: Manager) {
    this.model_id = id;
    this.attrs = attrs;
    this.widget_manager = manager;
  }

  get(name: string): unknown {
    return this.attrs[name];
  }

  set(name: string, value: unknown): void {
    const old = this.attrs[name];
    this.attrs[name] = value;
    if (old !== value) {
      this.trigger(`change:${name}`, this, value);
      this.trigger("change", this);
    }
  }

  /** Nothing to save to: the report has no kernel. */
  save_changes(): void {}

  on(events: string, cb: Callback, ctx?: unknown): void {
    for (const event of events.split(/\s+/).filter(Boolean)) {
      this.listeners.push({ event, cb, ctx });
    }
  }

  off(events: string | null, cb?: Callback | null, ctx?: unknown): void {
    const names = events === null ? null : new Set(events.split(/\s+/).filter(Boolean));
    this.listeners = this.listeners.filter(
      (l) =>
        !(
          (names === null || names.has(l.event)) &&
          (cb == null || l.cb === cb) &&
          (ctx == null || l.ctx === ctx)
        ),
    );
  }

  trigger(event: string, ...args: unknown[]): void {
    for (const l of [...this.listeners]) {
      if (l.event === event) (l.cb as (...a: unknown[]) => void)(...args);
    }
  }

  send(content: unknown): void {
    this.responder?.(content as Message);
  }

  /** A custom message from the "kernel", delivered after the current task as in a notebook. */
  deliver(message: Message, buffers: DataView[] = []): void {
    setTimeout(() => this.trigger("msg:custom", message, buffers), 0);
  }
}

/** Every exported widget as a model, resolved by id like a widget manager does. */
export class ReportManager implements Manager {
  readonly models = new Map<string, ReportModel>();

  constructor(exported: Record<string, ExportedWidget>) {
    for (const [id, widget] of Object.entries(exported)) {
      const attrs = putBuffers(structuredClone(widget.state), widget.buffers);
      this.models.set(id, new ReportModel(id, attrs, this));
    }
  }

  get_model(id: string): Promise<RawModel> {
    const model = this.models.get(id);
    if (!model) return Promise.reject(new Error(`nbdatalens report: no widget ${id}`));
    return Promise.resolve(model);
  }

  model(id: string): ReportModel {
    const model = this.models.get(id);
    if (!model) throw new Error(`nbdatalens report: no widget ${id}`);
    return model;
  }
}

const EMPTY = new DataView(new ArrayBuffer(0));
/** What a request that needs the kernel (tag, relabel, save, export, find similar) gets. */
export const READ_ONLY =
  "this report is read-only: tags, corrections and saved selections are made in a notebook";

function exported(entry: ExportedReply): [Message, DataView[]] {
  return [entry.reply, entry.buffers.map(fromBase64)];
}

/**
 * The kernel's part, from what the export computed: `[reply, buffers]` for one request
 * (without its request_id), or an Error whose message the page shows. Samples outside
 * the report's media set get a tile marked `absent` ("not in this report").
 */
export function respond(
  data: ReportData,
  content: Message,
): [Message, DataView[]] | [Message, DataView[]][] | Error {
  const type = String(content.type);
  const positions = Array.isArray(content.positions) ? (content.positions as number[]) : [];
  const pos = Number(content.pos);
  switch (type) {
    case "thumbs": {
      const items: Message[] = [];
      const buffers: DataView[] = [];
      for (const p of positions) {
        const stored = data.thumbs[String(p)];
        if (stored) {
          items.push(stored[0]);
          buffers.push(fromBase64(stored[1]));
        } else {
          const id = data.ids[p] ?? String(p);
          items.push({ pos: p, id, ok: true, kind: "none", mime: "", absent: true });
          buffers.push(EMPTY);
        }
      }
      return [{ type, size: content.size, items }, buffers];
    }
    case "rows": {
      const rows = positions.map(
        (p) =>
          data.rows[String(p)] ?? {
            pos: p,
            id: data.ids[p] ?? String(p),
            values: { details: data.not_in_report },
          },
      );
      return [{ type, rows }, []];
    }
    case "audio": {
      const clip = data.audio[String(pos)];
      return clip ? exported(clip) : new Error(`this clip is ${data.not_in_report}`);
    }
    case "history": {
      const history = data.history[String(pos)];
      return [history ?? { type, pos, label: -1, given: [], pred: [] }, []];
    }
    case "epoch_pred": {
      const epoch = data.epochs[String(content.epoch)];
      return epoch
        ? exported(epoch)
        : new Error(`epoch ${String(content.epoch)} is ${data.not_in_report}`);
    }
    case "column": {
      // The chunks of every asked-for column, as the kernel would send them.
      const names = Array.isArray(content.names) ? content.names.map(String) : [];
      const chunks: [Message, DataView[]][] = [];
      for (const name of names) {
        const stored = data.columns[name];
        if (!stored) return new Error(`column ${name} is ${data.not_in_report}`);
        for (const chunk of stored) chunks.push([chunk, []]);
      }
      return chunks;
    }
    case "drawn": // nothing waits for the drawing here
      return [{}, []];
    default:
      return new Error(READ_ONLY);
  }
}

/** Answer every request sent on the table model from the report's data. */
export function connectResponder(data: ReportData, model: ReportModel): void {
  model.responder = (content) => {
    const answer = respond(data, content);
    const request_id = content.request_id;
    if (answer instanceof Error) {
      model.deliver({ type: "error", request_id, error: answer.message });
      return;
    }
    // One reply, or several (a column's chunks): each carries the request's id.
    const replies = typeof answer[0] === "object" && Array.isArray(answer[0]) ? answer : [answer];
    for (const [reply, buffers] of replies as [Message, DataView[]][]) {
      model.deliver({ ...reply, type: content.type, request_id }, buffers);
    }
  };
}
