import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Background, drain, type Steps, timedSteps } from "../src/lib/steps";

/** Three steps that log what ran; returns "done". */
function* counted(log: string[]): Steps<string> {
  log.push("a");
  yield;
  log.push("b");
  yield;
  log.push("c");
  return "done";
}

describe("steps", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("drain runs every step and returns the value", () => {
    const log: string[] = [];
    expect(drain(counted(log))).toBe("done");
    expect(log).toEqual(["a", "b", "c"]);
  });

  it("timedSteps reports every step, the last one included", () => {
    const times: number[] = [];
    expect(drain(timedSteps(counted([]), (ms) => times.push(ms)))).toBe("done");
    expect(times).toHaveLength(3);
  });

  it("runs one step per task once idle, waits while busy, and reports once", () => {
    const log: string[] = [];
    let busy = true;
    const done = vi.fn();
    const bg = new Background(counted(log), { busy: () => busy, onDone: done, idleMs: 100 });
    vi.advanceTimersByTime(500);
    expect(log).toEqual([]); // busy: nothing ran
    busy = false;
    vi.advanceTimersByTime(100);
    expect(log).toEqual(["a"]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(["a", "b"]);
    vi.advanceTimersByTime(1);
    expect(bg.done).toBe(true);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith("done");
    expect(bg.now()).toBe("done");
    expect(done).toHaveBeenCalledTimes(1);
  });

  it("finishes at once on now(), and a cancelled one runs nothing more", () => {
    const log: string[] = [];
    const done = vi.fn();
    const bg = new Background(counted(log), { onDone: done, idleMs: 50 });
    vi.advanceTimersByTime(50);
    expect(log).toEqual(["a"]);
    expect(bg.now()).toBe("done");
    expect(log).toEqual(["a", "b", "c"]);
    expect(done).toHaveBeenCalledTimes(1);
    const other: string[] = [];
    const stopped = new Background(counted(other), { onDone: done, idleMs: 0 });
    stopped.cancel();
    vi.advanceTimersByTime(1000);
    expect(other).toEqual([]);
    expect(stopped.done).toBe(false);
  });
});
