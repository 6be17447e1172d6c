import { describe, expect, it } from "vitest";
import { ThumbCache, type ThumbItem, ThumbLoader, type UrlFactory } from "../src/gallery/thumbs";

function fakeUrls() {
  const live = new Set<string>();
  let counter = 0;
  const urls: UrlFactory = {
    create: () => {
      const url = `blob:test/${counter++}`;
      live.add(url);
      return url;
    },
    revoke: (url) => {
      if (!live.delete(url)) throw new Error(`revoked twice or unknown: ${url}`);
    },
  };
  return { urls, live };
}

const png = new Uint8Array([137, 80, 78, 71]);
const item = (pos: number, ok = true): ThumbItem => ({
  pos,
  ok,
  mime: ok ? "image/png" : "",
  id: `id${pos}`,
});

describe("ThumbCache", () => {
  it("evicts the least recently used entry and revokes its URL", () => {
    const { urls, live } = fakeUrls();
    const cache = new ThumbCache(2, urls);
    cache.put(item(1), 96, png);
    cache.put(item(2), 96, png);
    cache.get(1, 96); // 1 is now the most recent
    cache.put(item(3), 96, png);
    expect(cache.has(2, 96)).toBe(false);
    expect(cache.has(1, 96) && cache.has(3, 96)).toBe(true);
    expect(live.size).toBe(2);
    cache.clear();
    expect(live.size).toBe(0);
  });

  it("keys by size, makes no URL for a failed item, and replaces without leaking", () => {
    const { urls, live } = fakeUrls();
    const cache = new ThumbCache(10, urls);
    cache.put(item(1), 96, png);
    expect(cache.has(1, 256)).toBe(false);
    expect(cache.put(item(2, false), 96, new Uint8Array(0)).url).toBe("");
    cache.put(item(1), 96, png);
    expect(live.size).toBe(1);
  });

  it("trims to a lowered capacity", () => {
    const { urls, live } = fakeUrls();
    const cache = new ThumbCache(5, urls);
    for (let p = 0; p < 5; p++) cache.put(item(p), 64, png);
    cache.capacity = 2;
    cache.trim();
    expect(cache.size).toBe(2);
    expect(live.size).toBe(2);
    expect(cache.has(4, 64)).toBe(true);
  });
});

/** A requester whose replies the test releases by hand. */
function manualRequester() {
  const calls: {
    positions: number[];
    size: number;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  const requester = (positions: number[], size: number) =>
    new Promise<{ items: ThumbItem[]; buffers: ArrayBufferView[] }>((resolve, reject) => {
      calls.push({
        positions,
        size,
        resolve: () =>
          resolve({ items: positions.map((p) => item(p)), buffers: positions.map(() => png) }),
        reject,
      });
    });
  return { calls, requester };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("ThumbLoader", () => {
  it("keeps one request in flight and skips windows scrolled past meanwhile", async () => {
    const { urls } = fakeUrls();
    const cache = new ThumbCache(100, urls);
    const { calls, requester } = manualRequester();
    const loaded: number[][] = [];
    const loader = new ThumbLoader(cache, requester, (p) => loaded.push(p));
    loader.want([0, 1, 2], 96);
    loader.want([10, 11], 96); // scrolled on
    loader.want([20, 21, 1], 96); // and on again: only this window matters now
    expect(calls.length).toBe(1);
    calls[0].resolve();
    await tick();
    expect(loaded[0]).toEqual([0, 1, 2]);
    expect(calls.length).toBe(2);
    expect(calls[1].positions).toEqual([20, 21]); // 1 is cached, 10 and 11 were skipped
    calls[1].resolve();
    await tick();
    expect(cache.has(10, 96)).toBe(false);
    expect(cache.has(21, 96)).toBe(true);
    loader.want([0, 20], 96);
    expect(calls.length).toBe(2); // everything cached: no request
  });

  it("stops after a failed request and reports it, and ignores replies after dispose", async () => {
    const { urls, live } = fakeUrls();
    const cache = new ThumbCache(100, urls);
    const { calls, requester } = manualRequester();
    const errors: string[] = [];
    const loader = new ThumbLoader(
      cache,
      requester,
      () => {},
      (e) => errors.push(e.message),
    );
    loader.want([1], 96);
    calls[0].reject(new Error("no answer from the kernel"));
    await tick();
    expect(errors).toEqual(["no answer from the kernel"]);
    loader.want([2], 96);
    loader.dispose();
    calls[1].resolve();
    await tick();
    expect(live.size).toBe(0);
  });

  it("marks positions the kernel left out as failed instead of asking forever", async () => {
    const { urls } = fakeUrls();
    const cache = new ThumbCache(100, urls);
    let requests = 0;
    const loader = new ThumbLoader(
      cache,
      async () => {
        requests++;
        return { items: [item(1)], buffers: [png] };
      },
      () => {},
    );
    loader.want([1, 99999], 96);
    await tick();
    expect(cache.get(99999, 96)?.item.ok).toBe(false);
    loader.want([1, 99999], 96);
    expect(requests).toBe(1);
  });
});
