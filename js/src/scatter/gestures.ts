// Pointer, wheel and key handling of the plot, turned into a few gestures.
//
// Positions are CSS pixels relative to the plot area's top-left corner. The
// handlers only collect the gesture; what it does (hit tests, selection
// writes, redraws) is the view's business, done once on release.

import type { Point } from "../lib/lasso";

export type MouseMode = "lasso" | "box" | "pan";

export interface Modifiers {
  shiftKey: boolean;
  altKey: boolean;
}

export interface GestureHandlers {
  mode(): MouseMode;
  /** The plot area's box on screen (client coordinates). */
  plotRect(): DOMRect;
  onHover(p: Point | null): void;
  onPan(dx: number, dy: number): void;
  onPanEnd(): void;
  onZoom(p: Point, factor: number): void;
  /** The lasso path or box drawn so far (empty when a gesture ends or is cancelled). */
  onDrawing(kind: "lasso" | "box", path: Point[]): void;
  onLasso(path: Point[], mods: Modifiers): void;
  onBox(a: Point, b: Point, mods: Modifiers): void;
  onClick(p: Point, mods: Modifiers): void;
  onReset(): void;
  onEscape(): void;
}

/** Movement (CSS px) below which a press-release is a click, not a drag. */
export const CLICK_SLOP = 3;
/** Lasso points closer than this to the previous one add nothing but edges. */
const LASSO_STEP = 1;

function isEditable(el: Element | null): boolean {
  if (el === null) return false;
  const tag = el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || (el as HTMLElement).isContentEditable;
}

/** How long a hover keeps the plot's page position before reading it again (ms). */
const RECT_TTL_MS = 1000;

/**
 * Listen on `surface` (the layer over the plot) and `root` (focusable, for
 * keys). Returns the function that removes every listener.
 */
export function attachGestures(
  surface: HTMLElement,
  root: HTMLElement,
  handlers: GestureHandlers,
): () => void {
  let drag: {
    id: number;
    kind: MouseMode;
    start: Point;
    last: Point;
    moved: boolean;
    path: Point[];
    mods: Modifiers;
  } | null = null;
  let spaceHeld = false;
  let pointerInside = false;

  // The plot's place on the page, read once per drag and otherwise kept until
  // the page scrolls or resizes (or for a second): reading it after any DOM
  // write forces a layout of the whole notebook, on every pointer move.
  let rect: DOMRect | null = null;
  let rectAt = 0;
  const forgetRect = () => {
    rect = null;
  };
  const local = (ev: { clientX: number; clientY: number }): Point => {
    const now = performance.now();
    if (rect === null || (drag === null && now - rectAt > RECT_TTL_MS)) {
      rect = handlers.plotRect();
      rectAt = now;
    }
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  };

  const down = (ev: PointerEvent) => {
    if (ev.button === 2 || drag !== null) return;
    ev.preventDefault();
    root.focus({ preventScroll: true });
    surface.setPointerCapture(ev.pointerId);
    forgetRect();
    const p = local(ev);
    const kind: MouseMode = ev.button === 1 || spaceHeld ? "pan" : handlers.mode();
    drag = {
      id: ev.pointerId,
      kind,
      start: p,
      last: p,
      moved: false,
      path: [p],
      mods: { shiftKey: ev.shiftKey, altKey: ev.altKey },
    };
    handlers.onHover(null);
  };

  const move = (ev: PointerEvent) => {
    if (drag === null || ev.pointerId !== drag.id) {
      if (ev.buttons === 0) handlers.onHover(local(ev));
      return;
    }
    // Chromium delivers one pointermove per frame; the coalesced events hold every position.
    const events = typeof ev.getCoalescedEvents === "function" ? ev.getCoalescedEvents() : [];
    for (const e of events.length > 0 ? events : [ev]) {
      const p = local(e);
      const [sx, sy] = drag.start;
      if (!drag.moved && Math.hypot(p[0] - sx, p[1] - sy) > CLICK_SLOP) drag.moved = true;
      if (drag.kind === "pan") {
        handlers.onPan(p[0] - drag.last[0], p[1] - drag.last[1]);
      } else if (drag.kind === "lasso") {
        const q = drag.path[drag.path.length - 1];
        if (Math.hypot(p[0] - q[0], p[1] - q[1]) >= LASSO_STEP) drag.path.push(p);
      }
      drag.last = p;
    }
    if (drag.kind === "lasso" && drag.moved) handlers.onDrawing("lasso", drag.path);
    if (drag.kind === "box" && drag.moved) handlers.onDrawing("box", [drag.start, drag.last]);
  };

  const up = (ev: PointerEvent) => {
    if (drag === null || ev.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    if (surface.hasPointerCapture(ev.pointerId)) surface.releasePointerCapture(ev.pointerId);
    const p = local(ev);
    const mods = { shiftKey: d.mods.shiftKey || ev.shiftKey, altKey: d.mods.altKey || ev.altKey };
    if (d.kind !== "pan") handlers.onDrawing(d.kind, []);
    if (!d.moved) {
      if (d.kind === "pan") handlers.onPanEnd();
      handlers.onClick(d.start, mods);
      return;
    }
    if (d.kind === "pan") {
      handlers.onPan(p[0] - d.last[0], p[1] - d.last[1]);
      handlers.onPanEnd();
    } else if (d.kind === "lasso") {
      const q = d.path[d.path.length - 1];
      if (Math.hypot(p[0] - q[0], p[1] - q[1]) >= LASSO_STEP) d.path.push(p);
      handlers.onLasso(d.path, mods);
    } else {
      handlers.onBox(d.start, p, mods);
    }
  };

  const cancel = (ev: PointerEvent) => {
    if (drag === null || ev.pointerId !== drag.id) return;
    if (drag.kind === "pan") handlers.onPanEnd();
    else handlers.onDrawing(drag.kind, []);
    drag = null;
  };

  const wheel = (ev: WheelEvent) => {
    ev.preventDefault();
    // Lines and pages (Firefox, some mice) are scaled to the pixel deltas trackpads send.
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    const delta = Math.max(-400, Math.min(400, ev.deltaY * unit));
    handlers.onZoom(local(ev), Math.exp(-delta * 0.002));
  };

  const enter = () => {
    pointerInside = true;
    forgetRect();
  };
  const leave = () => {
    pointerInside = false;
    if (drag === null) handlers.onHover(null);
  };
  const dblclick = (ev: MouseEvent) => {
    ev.preventDefault();
    handlers.onReset();
  };
  const keydown = (ev: KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.stopPropagation();
      handlers.onEscape();
    } else if (ev.key === " " && !isEditable(ev.target as Element)) {
      // Keep the notebook from scrolling or running a shortcut while space pans.
      ev.preventDefault();
      ev.stopPropagation();
      spaceHeld = true;
    }
  };
  const keyup = (ev: KeyboardEvent) => {
    if (ev.key === " ") spaceHeld = false;
  };
  // Escape with the pointer over the plot clears too, unless the user is typing somewhere.
  // Capture phase: JupyterLab's shortcut handler stops Escape before it bubbles up.
  const windowKeydown = (ev: KeyboardEvent) => {
    if (ev.key !== "Escape" || !pointerInside || root.contains(ev.target as Node)) return;
    const active = document.activeElement;
    if (isEditable(active) || active?.closest(".jp-mod-editMode")) return;
    handlers.onEscape();
  };
  const blur = () => {
    spaceHeld = false;
  };

  // One signal removes every listener on teardown, so none can be left behind.
  const listeners = new AbortController();
  const signal = listeners.signal;
  surface.addEventListener("pointerdown", down, { signal });
  surface.addEventListener("pointermove", move, { signal });
  surface.addEventListener("pointerup", up, { signal });
  surface.addEventListener("pointercancel", cancel, { signal });
  surface.addEventListener("pointerenter", enter, { signal });
  surface.addEventListener("pointerleave", leave, { signal });
  surface.addEventListener("wheel", wheel, { passive: false, signal });
  surface.addEventListener("dblclick", dblclick, { signal });
  root.addEventListener("keydown", keydown, { signal });
  root.addEventListener("keyup", keyup, { signal });
  root.addEventListener("blur", blur, { signal });
  window.addEventListener("keydown", windowKeydown, { capture: true, signal });
  // Any scroll (the notebook scrolls in an element, not the window) or resize moves the plot.
  document.addEventListener("scroll", forgetRect, { capture: true, passive: true, signal });
  window.addEventListener("resize", forgetRect, { signal });
  const resized = new ResizeObserver(forgetRect);
  resized.observe(surface);
  return () => {
    resized.disconnect();
    listeners.abort();
  };
}
