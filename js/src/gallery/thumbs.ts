// Thumbnails in the browser: an LRU of object URLs, and a loader that asks
// Python for the visible window only.
//
// Every cached thumbnail is a blob: URL that pins its bytes until revoked, so
// the cache is bounded and revokes what it evicts. The loader keeps one
// request in flight; windows the user scrolled past while it was out are
// dropped, never requested, so a fast scroll costs one request per pause.

/** One reply item of a `{type: "thumbs"}` request (docs/architecture.md). */
export interface ThumbItem {
  pos: number;
  id?: string;
  ok: boolean;
  kind?: "image" | "audio" | "text" | "none";
  mime: string;
  error?: string;
  text?: string;
  duration?: number;
  quality?: Record<string, unknown>;
  /** Audio: `[start, end]` seconds of the clip's loudest section. */
  loudest?: [number, number];
  /** A report's sample whose media was left out of the file ("not in this report"). */
  absent?: boolean;
}

/** A cached thumbnail: the reply item and its object URL ("" without an image). */
export interface ThumbEntry {
  item: ThumbItem;
  url: string;
}

/** How blobs become URLs; swapped in tests. */
export interface UrlFactory {
  create(bytes: ArrayBufferView, mime: string): string;
  revoke(url: string): void;
}

export const browserUrls: UrlFactory = {
  create: (bytes, mime) => URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime })),
  revoke: (url) => URL.revokeObjectURL(url),
};

export function thumbKey(pos: number, size: number): string {
  return `${pos}:${size}`;
}

/** Thumbnails by (position, size), least recently used evicted first. */
export class ThumbCache {
  private readonly entries = new Map<string, ThumbEntry>();
  capacity: number;
  private readonly urls: UrlFactory;

  constructor(capacity: number, urls: UrlFactory = browserUrls) {
    this.capacity = Math.max(1, capacity);
    this.urls = urls;
  }

  get size(): number {
    return this.entries.size;
  }

  has(pos: number, size: number): boolean {
    return this.entries.has(thumbKey(pos, size));
  }

  /** The entry, marked as recently used; undefined when not cached. */
  get(pos: number, size: number): ThumbEntry | undefined {
    const key = thumbKey(pos, size);
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Store one reply item with its buffer (an empty buffer means no image). */
  put(item: ThumbItem, size: number, bytes: ArrayBufferView | undefined): ThumbEntry {
    const key = thumbKey(item.pos, size);
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      if (old.url) this.urls.revoke(old.url);
    }
    const hasImage = item.ok && !!item.mime && !!bytes && bytes.byteLength > 0;
    const entry = { item, url: hasImage ? this.urls.create(bytes, item.mime) : "" };
    this.entries.set(key, entry);
    this.trim();
    return entry;
  }

  /** Evict down to capacity (after a put, or after the capacity shrank). */
  trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(key);
      if (entry.url) this.urls.revoke(entry.url);
    }
  }

  /** Revoke every URL (teardown). */
  clear(): void {
    for (const entry of this.entries.values()) if (entry.url) this.urls.revoke(entry.url);
    this.entries.clear();
  }
}

/** Sends one thumbs request; resolves with the reply items and one buffer per item. */
export type ThumbRequester = (
  positions: number[],
  size: number,
) => Promise<{ items: ThumbItem[]; buffers: ArrayBufferView[] }>;

/** Most positions asked for in one request (the kernel answers up to 500). */
export const MAX_BATCH = 240;

/**
 * Fetches the thumbnails of the window the gallery shows, one request at a time.
 *
 * `want(positions, size)` replaces the previous wish; when a reply lands,
 * `onLoaded` gets the positions that are now cached, and the newest wish (if
 * anything in it is still missing) goes out next.
 */
export class ThumbLoader {
  private readonly cache: ThumbCache;
  private readonly requester: ThumbRequester;
  private readonly onLoaded: (positions: number[], size: number) => void;
  private readonly onError: (error: Error) => void;
  private wish: { positions: number[]; size: number } | null = null;
  private inFlight = false;
  private disposed = false;
  /** Requests sent so far (tests and the benchmark read it). */
  requests = 0;

  constructor(
    cache: ThumbCache,
    requester: ThumbRequester,
    onLoaded: (positions: number[], size: number) => void,
    onError: (error: Error) => void = () => {},
  ) {
    this.cache = cache;
    this.requester = requester;
    this.onLoaded = onLoaded;
    this.onError = onError;
  }

  get busy(): boolean {
    return this.inFlight;
  }

  want(positions: ArrayLike<number>, size: number): void {
    this.wish = { positions: Array.from(positions), size };
    if (!this.inFlight) this.next();
  }

  private next(): void {
    if (this.disposed || !this.wish) return;
    const { positions, size } = this.wish;
    const missing = positions.filter((p) => !this.cache.has(p, size)).slice(0, MAX_BATCH);
    if (missing.length === 0) {
      this.wish = null;
      return;
    }
    this.inFlight = true;
    this.requests += 1;
    this.requester(missing, size).then(
      ({ items, buffers }) => {
        this.inFlight = false;
        if (this.disposed) return; // teardown came first: make no URL that nobody revokes
        const loaded: number[] = [];
        items.forEach((item, i) => {
          this.cache.put(item, size, buffers[i]);
          loaded.push(item.pos);
        });
        // Positions the kernel refused (out of range) must not be asked for forever.
        const answered = new Set(loaded);
        for (const p of missing) {
          if (!answered.has(p)) {
            this.cache.put({ pos: p, ok: false, mime: "", error: "no answer" }, size, undefined);
          }
        }
        this.onLoaded(loaded, size);
        this.next();
      },
      (error: unknown) => {
        this.inFlight = false;
        if (this.disposed) return;
        // Do not retry in a loop: the next scroll or redraw asks again.
        this.wish = null;
        this.onError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  dispose(): void {
    this.disposed = true;
    this.wish = null;
  }
}
