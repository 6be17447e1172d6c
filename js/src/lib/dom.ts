// Tiny DOM builders. User strings (labels, paths, column names) only ever
// become text nodes or attribute values: nothing here parses HTML, and
// attributes that run code (on*) or navigate (href, src, ...) are refused.

/** A child: a node, a string (becomes a text node), or nothing (skipped, for conditionals). */
export type Child = Node | string | number | null | undefined | false;

type Listeners = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };

export interface ElementProps {
  className?: string;
  title?: string;
  /** Inline style; `--name` keys set CSS custom properties. */
  style?: Partial<Record<keyof CSSStyleDeclaration, string>> & Record<`--${string}`, string>;
  /** Event listeners, e.g. `{click: () => ...}`. */
  on?: Listeners;
  /** Plain attributes (aria-*, data-*, role, type, tabindex, ...). */
  attrs?: Record<string, string | number | boolean>;
}

// Attributes whose value a browser may load or execute.
const UNSAFE_ATTRIBUTES = new Set(["src", "srcdoc", "href", "xlink:href", "action", "formaction"]);

function setAttributes(el: Element, attrs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(attrs)) {
    const lower = name.toLowerCase();
    if (lower.startsWith("on") || UNSAFE_ATTRIBUTES.has(lower)) {
      throw new TypeError(
        `attribute "${name}" is not allowed; use the "on" prop or set it directly`,
      );
    }
    if (value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
}

function appendChildren(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
}

/**
 * Build an HTML element. String children become text nodes, never markup.
 *
 * @example h("span", { className: "tag" }, labelFromUser) // <span class="tag">…text…</span>
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className !== undefined) el.className = props.className;
  if (props.title !== undefined) el.title = props.title;
  if (props.style !== undefined) {
    for (const [key, value] of Object.entries(props.style)) {
      if (value === undefined) continue;
      if (key.startsWith("--")) el.style.setProperty(key, value);
      else (el.style as unknown as Record<string, string>)[key] = value;
    }
  }
  if (props.attrs !== undefined) setAttributes(el, props.attrs);
  if (props.on !== undefined) {
    for (const [type, listener] of Object.entries(props.on)) {
      el.addEventListener(type, listener as EventListener);
    }
  }
  appendChildren(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Build an SVG element (attributes as given, e.g. `{viewBox: "0 0 10 10"}`);
 * string children become text nodes, as with {@link h}.
 */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  setAttributes(el, attrs);
  appendChildren(el, children);
  return el;
}

/** Replace an element's content with text (a user string stays text). */
export function setText(el: Element, text: string | number): void {
  el.textContent = String(text);
}

/** Replace an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  appendChildren(el, children);
}

/**
 * An `<svg>` of `width` × `height` pixels (viewBox the same) holding a chart, labelled for
 * screen readers: the frame every small chart of the views shares.
 */
export function chartSvg(
  className: string,
  width: number,
  height: number,
  label: string,
  ...children: Child[]
): SVGSVGElement {
  return svg(
    "svg",
    {
      class: className,
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": label,
    },
    ...children,
  );
}
