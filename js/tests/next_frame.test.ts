import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NextFrame } from "../src/lib/next_frame";

// A hand-driven requestAnimationFrame: frames run only when the test says so.
let callbacks: Map<number, FrameRequestCallback>;
let nextHandle: number;

function runFrame(): void {
  const due = [...callbacks.entries()];
  callbacks.clear();
  for (const [, cb] of due) cb(0);
}

beforeEach(() => {
  callbacks = new Map();
  nextHandle = 1;
  vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => {
    const handle = nextHandle++;
    callbacks.set(handle, cb);
    return handle;
  });
  vi.stubGlobal("cancelAnimationFrame", (handle: number) => {
    callbacks.delete(handle);
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("NextFrame", () => {
  it("runs many requests in one frame once, on that frame", () => {
    const fn = vi.fn();
    const frame = new NextFrame(fn);
    frame.request();
    frame.request();
    frame.request();
    expect(fn).not.toHaveBeenCalled();
    expect(callbacks.size).toBe(1);
    expect(frame.pending).toBe(true);
    runFrame();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(frame.pending).toBe(false);
    runFrame();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("schedules again once the frame has run, also from inside the callback", () => {
    let runs = 0;
    const frame = new NextFrame(() => {
      runs++;
      if (runs === 1) frame.request();
    });
    frame.request();
    runFrame();
    expect(runs).toBe(1);
    expect(frame.pending).toBe(true);
    runFrame();
    expect(runs).toBe(2);
    expect(frame.pending).toBe(false);
  });

  it("cancel drops the pending run, and a later request works again", () => {
    const fn = vi.fn();
    const frame = new NextFrame(fn);
    frame.cancel(); // nothing pending: a no-op
    frame.request();
    frame.cancel();
    expect(callbacks.size).toBe(0);
    runFrame();
    expect(fn).not.toHaveBeenCalled();
    frame.request();
    runFrame();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("with afterPaint runs in a task queued from the frame, and cancels there too", () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const frame = new NextFrame(fn, { afterPaint: true });
      frame.request();
      runFrame();
      expect(fn).not.toHaveBeenCalled(); // not inside the frame: the others paint first
      expect(frame.pending).toBe(true);
      frame.request(); // still pending: no second run
      vi.runAllTimers();
      expect(fn).toHaveBeenCalledTimes(1);
      expect(frame.pending).toBe(false);
      frame.request();
      runFrame();
      frame.cancel();
      vi.runAllTimers();
      expect(fn).toHaveBeenCalledTimes(1);
      expect(frame.pending).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
