// What the gallery fetches from the kernel (rows, thumbnails, clips) and the
// browser-side caches in front of those requests.

import type { TableClient } from "../lib/table_client";
import { AudioPlayer } from "./audio";
import type { RowReply } from "./detail";
import type { HistoryReply } from "./history";
import { ThumbCache, type ThumbEntry, type ThumbItem, ThumbLoader } from "./thumbs";

/** Rows kept for the detail panel (a few hundred short strings each). */
const ROW_CACHE_SIZE = 200;
/** No answer after this long: the kernel is busy (a running cell); say so and keep waiting. */
export const SLOW_MS = 4000;
/** Neighbours "find similar" selects (the Python default of lens.similar). */
export const SIMILAR_K = 12;

export class KernelData {
  readonly cache = new ThumbCache(1500);
  readonly loader: ThumbLoader;
  readonly player: AudioPlayer;
  private readonly rows = new Map<number, RowReply>();
  private readonly table: TableClient;
  private readonly onWaiting: (waiting: boolean) => void;
  private waitingCount = 0;

  /** `onWaiting(true)` when a request has waited SLOW_MS for a busy kernel, `false` once
   * every waiting request was answered. */
  constructor(
    table: TableClient,
    onThumbs: (positions: number[], size: number) => void,
    onError: (message: string) => void,
    onWaiting: (waiting: boolean) => void = () => {},
  ) {
    this.table = table;
    this.onWaiting = onWaiting;
    this.loader = new ThumbLoader(
      this.cache,
      async (positions, size) => {
        const { reply, buffers } = await this.ask<{ items: ThumbItem[] }>({
          type: "thumbs",
          positions,
          size,
        });
        return { items: reply.items, buffers };
      },
      onThumbs,
      (error) => onError(`thumbnails: ${error.message}`),
    );
    this.player = new AudioPlayer(async (pos) => {
      const { reply, buffers } = await this.ask<{ mime: string }>({ type: "audio", pos });
      return { mime: reply.mime, bytes: buffers[0] };
    }, onError);
  }

  /** Whether some request is waiting for a busy kernel. */
  get waiting(): boolean {
    return this.waitingCount > 0;
  }

  /** One request that waits out a busy kernel (see TableClient.request). */
  private ask<T>(content: Record<string, unknown>) {
    return this.table.request<T>(content, SLOW_MS, (waiting) => {
      const before = this.waitingCount > 0;
      this.waitingCount += waiting ? 1 : -1;
      const now = this.waitingCount > 0;
      if (now !== before) this.onWaiting(now);
    });
  }

  /** Every column of one row as text (the detail panel). */
  async row(pos: number): Promise<RowReply> {
    const cached = this.rows.get(pos);
    if (cached) return cached;
    const { reply } = await this.ask<{ rows: RowReply[] }>({
      type: "rows",
      positions: [pos],
    });
    const row = reply.rows.find((r) => r.pos === pos);
    if (!row) throw new Error(`the kernel sent no row ${pos}`);
    if (this.rows.size >= ROW_CACHE_SIZE) this.rows.delete(this.rows.keys().next().value as number);
    this.rows.set(pos, row);
    return row;
  }

  /** One sample's given-label probability and predicted class per epoch (the detail panel). */
  async history(pos: number): Promise<HistoryReply> {
    const { reply } = await this.table.request<HistoryReply>({ type: "history", pos });
    return reply;
  }

  /** Select a sample and its `k` nearest embedding neighbours (in the kernel, which holds
   * the kNN index); resolves with how many are selected. */
  async findSimilar(pos: number, k = SIMILAR_K): Promise<number> {
    const { reply } = await this.ask<{ count: number }>({ type: "similar", pos, k });
    return reply.count;
  }

  /** Drop the cached rows (their tags / corrected label changed). */
  forgetRows(): void {
    this.rows.clear();
  }

  /** One thumbnail at any size, outside the window loader (the detail panel's large one). */
  async thumb(pos: number, size: number): Promise<ThumbEntry> {
    const cached = this.cache.get(pos, size);
    if (cached) return cached;
    const { reply, buffers } = await this.ask<{ items: ThumbItem[] }>({
      type: "thumbs",
      positions: [pos],
      size,
    });
    const item = reply.items[0];
    if (!item) throw new Error(`the kernel sent no thumbnail for row ${pos}`);
    return this.cache.put(item, size, buffers[0]);
  }

  /** Stop the clip, drop late replies and revoke every object URL. */
  dispose(): void {
    this.loader.dispose();
    this.player.stop();
    this.cache.clear();
  }
}
