// One gallery tile: media (thumbnail, waveform, text snippet or nothing) with
// the row's tag badges, then the id, the given label (and its correction), a
// wrong-prediction mark and the sort metric.
// Every string from the data goes in as text (dom.ts), never as markup.

import { h, replaceChildren, setText } from "../lib/dom";
import { correctionText, tileBadges } from "./annotations";
import type { RowSummary } from "./facts";
import type { TileBox } from "./grid";
import type { ThumbEntry, ThumbItem } from "./thumbs";

/** What the tiles of a table show (the Python Gallery's `_media_kind`). */
export type MediaKind = "image" | "audio" | "text" | "none";

const CAPTION_HEIGHT = 48;
/** Tiles without media show their tags on a caption line of their own. */
const TAG_LINE_HEIGHT = 17;
const PADDING = 4;
const MIN_TILE_WIDTH = 84;
const GAP = 8;

/** Size of the media box of a tile (audio waveforms and text are twice as wide). */
export function mediaBox(kind: MediaKind, tileSize: number): { width: number; height: number } {
  if (kind === "none") return { width: 0, height: 0 };
  if (kind === "image") return { width: tileSize, height: tileSize };
  return { width: tileSize * 2, height: tileSize };
}

/** The fixed tile geometry for a media kind and thumbnail size. */
export function tileBox(kind: MediaKind, tileSize: number): TileBox {
  if (kind === "none") {
    return { width: 160, height: CAPTION_HEIGHT + TAG_LINE_HEIGHT + 2 * PADDING, gap: GAP };
  }
  const media = mediaBox(kind, tileSize);
  return {
    width: Math.max(media.width, MIN_TILE_WIDTH) + 2 * PADDING,
    height: media.height + CAPTION_HEIGHT + 3 * PADDING,
    gap: GAP,
  };
}

/** Everything a tile shows that the browser knows without the kernel: the row's summary
 * (its `metric` is "" in table order) and the tile's place and state in the grid. */
export interface TileFacts extends RowSummary {
  index: number;
  pos: number;
  focused: boolean;
  marked: boolean;
}

export interface TileParts {
  root: HTMLDivElement;
  media: HTMLDivElement;
  id: HTMLDivElement;
  labels: HTMLDivElement;
  /** The tag badges: over the media's lower right corner, or a caption line without media. */
  tags: HTMLDivElement;
  /** The issue badges: over the media's upper left corner, or the caption's tag line. */
  issues: HTMLDivElement;
}

/** The label line: "7", or "7 → 1" for a corrected row, then "✗ pred 3" when wrong. */
function labelLine(facts: TileFacts): Node[] {
  const parts: Node[] = [];
  if (facts.corrected === null) {
    parts.push(
      h(
        "span",
        { className: "nbdl-tile-label", title: `given label: ${facts.label}` },
        facts.label,
      ),
    );
  } else {
    // One span, so a long pair is cut at its end like a plain label; the new label is bold.
    parts.push(
      h(
        "span",
        {
          className: "nbdl-tile-correction",
          title: `corrected: ${correctionText(facts.label, facts.corrected)}`,
        },
        h("span", { className: "nbdl-tile-label nbdl-tile-was" }, facts.label),
        " → ",
        h("strong", { className: "nbdl-tile-corrected" }, facts.corrected),
      ),
    );
  }
  if (facts.wrong && facts.pred !== null) {
    parts.push(
      h(
        "span",
        { className: "nbdl-tile-wrong", title: "the model predicts another class" },
        `✗ pred ${facts.pred}`,
      ),
    );
  }
  return parts;
}

/** Show a row's tags and correction on a built tile (after an annotation change, too). */
export function setTileAnnotations(parts: TileParts, facts: TileFacts): void {
  replaceChildren(parts.labels, ...labelLine(facts));
  replaceChildren(
    parts.tags,
    ...tileBadges(facts.tags).map((text) =>
      h("span", { className: "nbdl-tile-tag", title: facts.tags.join(", ") }, text),
    ),
  );
  parts.tags.hidden = facts.tags.length === 0;
  replaceChildren(
    parts.issues,
    ...tileBadges(facts.issues).map((text) =>
      h(
        "span",
        { className: "nbdl-tile-issue", title: `flagged: ${facts.issueNames.join(", ")}` },
        text,
      ),
    ),
  );
  parts.issues.hidden = facts.issues.length === 0;
  const data = parts.root.dataset;
  if (facts.issues.length) data.issues = facts.issueNames.join(", ");
  else delete data.issues;
  data.wrong = facts.wrong ? "1" : "0"; // a correction can make the prediction right or wrong
  if (facts.tags.length) data.tags = facts.tags.join(", ");
  else delete data.tags;
  if (facts.corrected !== null) data.corrected = facts.corrected;
  else delete data.corrected;
}

/** Build a tile at its grid position; the media stays a placeholder until `fillMedia`. */
export function buildTile(
  facts: TileFacts,
  kind: MediaKind,
  box: TileBox,
  tileSize: number,
  x: number,
  y: number,
): TileParts {
  const media = mediaBox(kind, tileSize);
  const mediaEl = h("div", {
    className: "nbdl-tile-media nbdl-tile-placeholder",
    style: { width: `${media.width}px`, height: `${media.height}px` },
  });
  const id = h("div", { className: "nbdl-tile-id" }, "…");
  const labels = h("div", { className: "nbdl-tile-labels" });
  const tags = h("div", {
    className: kind === "none" ? "nbdl-tile-tags nbdl-tile-tag-line" : "nbdl-tile-tags",
  });
  const issues = h("div", {
    className: kind === "none" ? "nbdl-tile-issues nbdl-tile-tag-line" : "nbdl-tile-issues",
  });
  if (kind !== "none") mediaEl.append(tags, issues);
  const root = h(
    "div",
    {
      className: "nbdl-tile",
      style: {
        width: `${box.width}px`,
        height: `${box.height}px`,
        transform: `translate(${x}px, ${y}px)`,
      },
      attrs: {
        "data-index": facts.index,
        "data-pos": facts.pos,
        "data-state": "loading",
        "aria-selected": facts.focused ? "true" : "false",
        role: "option",
      },
    },
    kind === "none" ? null : mediaEl,
    h(
      "div",
      { className: "nbdl-tile-caption" },
      id,
      labels,
      h("div", { className: "nbdl-tile-metric" }, facts.metric),
      kind === "none" ? tags : null,
      kind === "none" ? issues : null,
    ),
  );
  root.classList.toggle("nbdl-focused", facts.focused);
  root.classList.toggle("nbdl-marked", facts.marked);
  const parts = { root, media: mediaEl, id, labels, tags, issues };
  setTileAnnotations(parts, facts);
  return parts;
}

/** Quality flags worth a badge: every flag of the audio check that is set. */
export function qualityBadges(quality: Record<string, unknown> | undefined): string[] {
  if (!quality) return [];
  return Object.entries(quality)
    .filter(([, value]) => value === true)
    .map(([name]) => name);
}

/** Put a thumbnail reply into a tile: image, waveform + play, snippet, or a flagged error. */
export function fillMedia(
  parts: TileParts,
  entry: ThumbEntry,
  kind: MediaKind,
  onPlay: (pos: number, button: HTMLButtonElement) => void,
): void {
  fillMediaBox(parts, entry, kind, onPlay);
  // The tag and issue badges live in the media box, on top of whatever came in.
  if (kind !== "none") parts.media.append(parts.tags, parts.issues);
}

function fillMediaBox(
  parts: TileParts,
  entry: ThumbEntry,
  kind: MediaKind,
  onPlay: (pos: number, button: HTMLButtonElement) => void,
): void {
  const { item, url } = entry;
  if (item.id !== undefined) {
    setText(parts.id, item.id);
    parts.id.title = item.id;
    parts.root.dataset.id = item.id;
  }
  const media = parts.media;
  media.classList.remove("nbdl-tile-placeholder", "nbdl-tile-absent");
  media.replaceChildren();
  if (!item.ok) {
    parts.root.dataset.state = "error";
    media.classList.add("nbdl-tile-broken");
    media.title = item.error ?? "could not be decoded";
    media.append(
      h("span", { className: "nbdl-tile-flag", attrs: { "aria-label": "cannot be decoded" } }, "⚠"),
      h("span", { className: "nbdl-tile-error" }, item.error ?? "could not be decoded"),
    );
    return;
  }
  if (item.absent && kind !== "none") {
    // A self-contained report carries the media of a bounded set of samples only.
    parts.root.dataset.state = "absent";
    media.classList.add("nbdl-tile-absent");
    media.title = "this sample's media was not included when the report was written";
    media.append(h("span", {}, "not in this report"));
    return;
  }
  parts.root.dataset.state = "ok";
  if (kind === "text" || (item.kind === "text" && item.text !== undefined)) {
    media.append(h("div", { className: "nbdl-tile-text" }, item.text ?? ""));
    return;
  }
  if (url) media.append(thumbnailImage(url, item.kind === "audio" ? "waveform" : "thumbnail"));
  if (kind === "audio") {
    const mark = loudestMark(item);
    if (mark) media.append(mark);
    const play = h(
      "button",
      {
        className: "nbdl-tile-play",
        title: "play",
        attrs: { type: "button", "aria-label": "play" },
      },
      "▶",
    );
    play.addEventListener("click", (event) => {
      event.stopPropagation();
      onPlay(item.pos, play);
    });
    const badges = qualityBadges(item.quality).map((name) =>
      h("span", { className: "nbdl-tile-badge", title: `audio check: ${name}` }, name),
    );
    const duration = typeof item.duration === "number" ? `${item.duration.toFixed(1)} s` : null;
    media.append(
      play,
      h(
        "div",
        { className: "nbdl-tile-badges" },
        ...badges,
        duration ? h("span", { className: "nbdl-tile-duration" }, duration) : null,
      ),
    );
  }
}

/**
 * The loudest section of a clip as a band over its waveform (the waveform spans the
 * clip's duration), or null when there is none to show. A section that is the whole
 * clip (a clip no longer than the window) still gets its data attributes, no band.
 */
export function loudestMark(item: ThumbItem): HTMLDivElement | null {
  const [start, end] = item.loudest ?? [];
  const duration = item.duration ?? 0;
  if (!(duration > 0) || start === undefined || end === undefined) return null;
  const left = Math.max(0, Math.min(1, start / duration));
  const right = Math.max(left, Math.min(1, end / duration));
  const band = h("div", {
    className: "nbdl-loudest",
    title: `loudest section: ${start.toFixed(2)}–${end.toFixed(2)} s`,
    attrs: { "data-start": start, "data-end": end, "aria-hidden": "true" },
    style: { left: `${(left * 100).toFixed(2)}%`, width: `${((right - left) * 100).toFixed(2)}%` },
  });
  // Nothing is loud in a silent clip; a section that is the whole clip says nothing either.
  band.hidden = (left <= 0.001 && right >= 0.999) || item.quality?.silent === true;
  return band;
}

/**
 * An <img> for an object URL. Sources smaller than their box (an 8×8 digit in
 * a 96 px tile) are drawn with hard pixel edges instead of a blur.
 */
export function thumbnailImage(url: string, alt: string): HTMLImageElement {
  const img = h("img", { className: "nbdl-tile-img", attrs: { alt, draggable: "false" } });
  img.addEventListener(
    "load",
    () => {
      const box = img.parentElement?.clientWidth ?? 0;
      img.classList.toggle("nbdl-pixelated", img.naturalWidth > 0 && img.naturalWidth * 1.5 < box);
    },
    { once: true },
  );
  img.src = url; // a blob: URL made here from the kernel's PNG bytes, never a user string
  return img;
}

/** Update the focus / mark state of a built tile. */
export function setTileState(root: HTMLElement, focused: boolean, marked: boolean): void {
  root.classList.toggle("nbdl-focused", focused);
  root.classList.toggle("nbdl-marked", marked);
  root.setAttribute("aria-selected", focused ? "true" : "false");
}
