// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import { h, replaceChildren, setText, svg } from "../src/lib/dom";

const ATTACK = '<img src=x onerror="window.__pwned = 1">';

describe("h", () => {
  it("turns a string that looks like HTML into text, not an element", () => {
    const el = h("div", { className: "label" }, ATTACK);
    expect(el.querySelector("img")).toBeNull();
    expect(el.childNodes).toHaveLength(1);
    expect(el.firstChild?.nodeType).toBe(Node.TEXT_NODE);
    expect(el.textContent).toBe(ATTACK);
    expect(el.innerHTML).toContain("&lt;img");
  });

  it("sets class, title, style, attributes and listeners", () => {
    const onClick = vi.fn();
    const el = h(
      "button",
      {
        className: "cell",
        title: ATTACK,
        style: { color: "red", "--tile-size": "64px" },
        attrs: { type: "button", "aria-pressed": true, "data-row": 3, hidden: false },
        on: { click: onClick },
      },
      "7 → 1",
      " ",
      42,
    );
    expect(el.className).toBe("cell");
    expect(el.title).toBe(ATTACK);
    expect(el.style.color).toBe("red");
    expect(el.style.getPropertyValue("--tile-size")).toBe("64px");
    expect(el.getAttribute("type")).toBe("button");
    expect(el.getAttribute("aria-pressed")).toBe("");
    expect(el.getAttribute("data-row")).toBe("3");
    expect(el.hasAttribute("hidden")).toBe(false);
    expect(el.textContent).toBe("7 → 1 42");
    el.click();
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it("nests nodes and skips null, undefined and false children", () => {
    const showBadge = false;
    const el = h("ul", {}, h("li", {}, "a"), null, showBadge && h("li", {}, "b"), undefined);
    expect(el.children).toHaveLength(1);
    expect(el.outerHTML).toBe("<ul><li>a</li></ul>");
  });

  it("refuses attributes that run code or load a URL", () => {
    expect(() => h("div", { attrs: { onclick: "alert(1)" } })).toThrow(/"onclick" is not allowed/);
    expect(() => h("img", { attrs: { src: "javascript:alert(1)" } })).toThrow(/"src"/);
    expect(() => h("a", { attrs: { HREF: "javascript:alert(1)" } })).toThrow(/"HREF"/);
  });
});

describe("svg", () => {
  it("creates elements in the SVG namespace with text-only strings", () => {
    const el = svg("svg", { viewBox: "0 0 10 10" }, svg("text", { x: 1, y: 2 }, ATTACK));
    expect(el.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(el.getAttribute("viewBox")).toBe("0 0 10 10");
    const text = el.firstElementChild;
    expect(text?.getAttribute("x")).toBe("1");
    expect(text?.textContent).toBe(ATTACK);
    expect(el.querySelector("img")).toBeNull();
  });
});

describe("setText and replaceChildren", () => {
  it("replace content with text or new children", () => {
    const el = h("p", {}, h("b", {}, "old"));
    setText(el, ATTACK);
    expect(el.children).toHaveLength(0);
    expect(el.textContent).toBe(ATTACK);
    replaceChildren(el, "a", h("i", {}, "b"));
    expect(el.innerHTML).toBe("a<i>b</i>");
  });
});
