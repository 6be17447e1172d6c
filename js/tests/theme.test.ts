// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { parseCssColor, readTheme, relativeLuminance, rgbaToCss } from "../src/lib/theme";

describe("parseCssColor", () => {
  it("reads hex, rgb(), rgba() and a few names", () => {
    expect(parseCssColor("#f80")).toEqual([255, 136, 0, 1]);
    expect(parseCssColor("#ff880080")).toEqual([255, 136, 0, 128 / 255]);
    expect(parseCssColor("  #1A2b3C ")).toEqual([26, 43, 60, 1]);
    expect(parseCssColor("#f808")).toEqual([255, 136, 0, 136 / 255]);
    expect(parseCssColor("rgb(1, 2, 3)")).toEqual([1, 2, 3, 1]);
    expect(parseCssColor("rgba(0, 0, 0, 0.87)")).toEqual([0, 0, 0, 0.87]);
    expect(parseCssColor("rgb(255 0 128 / 50%)")).toEqual([255, 0, 128, 0.5]);
    expect(parseCssColor("rgb(100%, 0%, 50%)")).toEqual([255, 0, 128, 1]);
    expect(parseCssColor("white")).toEqual([255, 255, 255, 1]);
    expect(parseCssColor("transparent")).toEqual([0, 0, 0, 0]);
  });

  it("returns null for what it cannot read", () => {
    for (const bad of [
      "",
      "#12",
      "#ggg",
      "rgb(1, 2)",
      "rgb(a, b, c)",
      "hsl(0 0% 0%)",
      "var(--x)",
    ]) {
      expect(parseCssColor(bad), bad).toBeNull();
    }
  });

  it("writes colours back as rgb() or rgba()", () => {
    expect(rgbaToCss([1, 2, 3, 1])).toBe("rgb(1, 2, 3)");
    expect(rgbaToCss([1, 2, 3, 0.87])).toBe("rgba(1, 2, 3, 0.87)");
    expect(rgbaToCss([1, 2, 3])).toBe("rgb(1, 2, 3)");
  });

  it("computes WCAG luminance", () => {
    expect(relativeLuminance([255, 255, 255])).toBeCloseTo(1, 6);
    expect(relativeLuminance([0, 0, 0])).toBe(0);
    expect(relativeLuminance([128, 128, 128])).toBeCloseTo(0.2158, 3);
  });
});

describe("readTheme", () => {
  afterEach(() => {
    document.body.replaceChildren();
  });

  // Set on the element itself: happy-dom does not inherit custom properties
  // (browsers do, which is how a view's element sees JupyterLab's theme).
  function themed(vars: Record<string, string>): HTMLElement {
    const el = document.createElement("div");
    for (const [name, value] of Object.entries(vars)) el.style.setProperty(name, value);
    document.body.append(el);
    return el;
  }

  it("falls back to light defaults outside JupyterLab", () => {
    const theme = readTheme(themed({}));
    expect(theme.isDark).toBe(false);
    expect(theme.background).toBe("rgb(255, 255, 255)");
    expect(theme.foreground).toBe("rgba(0, 0, 0, 0.87)");
    expect(theme.fontFamily).toMatch(/system-ui/);
  });

  it("reads JupyterLab's variables", () => {
    const theme = readTheme(
      themed({
        "--jp-layout-color0": "#111111",
        "--jp-ui-font-color1": "rgba(255, 255, 255, 1)",
        "--jp-border-color1": "#616161",
        "--jp-brand-color1": "#1976d2",
        "--jp-ui-font-family": "Inter, sans-serif",
      }),
    );
    expect(theme.isDark).toBe(true);
    expect(theme.background).toBe("rgb(17, 17, 17)");
    expect(theme.foreground).toBe("rgb(255, 255, 255)");
    expect(theme.border).toBe("rgb(97, 97, 97)");
    expect(theme.accent).toBe("rgb(25, 118, 210)");
    expect(theme.fontFamily).toBe("Inter, sans-serif");
    // Unset in this theme: the dark default, not the light one.
    expect(theme.muted).toBe("rgba(255, 255, 255, 0.54)");
    expect(theme.error).toBe("rgb(239, 83, 80)");
  });

  it("reads the error colour, as the confusion matrix's off-diagonal uses it", () => {
    expect(readTheme(themed({ "--jp-error-color1": "#f00" })).error).toBe("rgb(255, 0, 0)");
    expect(readTheme(themed({})).error).toBe("rgb(211, 47, 47)");
  });

  it("treats a light background as light and ignores unreadable values", () => {
    const theme = readTheme(
      themed({ "--jp-layout-color0": "white", "--jp-border-color1": "nope" }),
    );
    expect(theme.isDark).toBe(false);
    expect(theme.border).toBe("rgb(224, 224, 224)");
  });

  it("uses VS Code's variables when JupyterLab's are absent", () => {
    const theme = readTheme(themed({ "--vscode-editor-background": "#1e1e1e" }));
    expect(theme.isDark).toBe(true);
    expect(theme.background).toBe("rgb(30, 30, 30)");
  });
});
