// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import {
  applyTheme,
  contrastRatio,
  type HostMarkers,
  legible,
  parseCssColor,
  readTheme,
  relativeLuminance,
  rgbaToCss,
  schemeFromBackground,
  schemeFromMarkers,
  type Theme,
  watchTheme,
} from "../src/lib/theme";

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

describe("contrast", () => {
  it("computes WCAG ratios, compositing see-through text over the background", () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 6);
    expect(contrastRatio([255, 255, 255], [255, 255, 255])).toBe(1);
    // #767676 is the lightest grey that passes on white.
    expect(contrastRatio([118, 118, 118], [255, 255, 255])).toBeCloseTo(4.54, 2);
    // Half-transparent black on white is mid grey.
    expect(contrastRatio([0, 0, 0, 0.5], [255, 255, 255])).toBeCloseTo(
      contrastRatio([128, 128, 128], [255, 255, 255]),
      1,
    );
  });

  it("keeps colours that pass and moves those that fail just past 4.5:1", () => {
    expect(legible([0, 0, 0, 0.87], [[255, 255, 255]])).toEqual([0, 0, 0, 0.87]);
    // VS Code's focus blue as text on its dark editor: 3.6:1, lightened.
    const blue = legible([0, 120, 212, 1], [[31, 31, 31]]);
    expect(contrastRatio(blue, [31, 31, 31])).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(blue, [31, 31, 31])).toBeLessThan(5.5);
    expect(blue[2]).toBeGreaterThan(212);
    // Against two surfaces, the worse one decides.
    const grey = legible(
      [150, 150, 150, 1],
      [
        [30, 30, 30],
        [70, 70, 70],
      ],
    );
    expect(contrastRatio(grey, [70, 70, 70])).toBeGreaterThanOrEqual(4.5);
  });
});

const markers = (
  body: { classes?: string[]; attrs?: Record<string, string> } = {},
  html: { classes?: string[]; attrs?: Record<string, string> } = {},
): HostMarkers => ({
  body: { classes: body.classes ?? [], attrs: body.attrs ?? {} },
  html: { classes: html.classes ?? [], attrs: html.attrs ?? {} },
});

describe("scheme detection", () => {
  it("reads JupyterLab's, VS Code's and marimo's markers", () => {
    expect(schemeFromMarkers(markers({ attrs: { "data-jp-theme-light": "false" } }))).toBe("dark");
    expect(schemeFromMarkers(markers({ attrs: { "data-jp-theme-light": "true" } }))).toBe("light");
    expect(schemeFromMarkers(markers({ classes: ["vscode-dark"] }))).toBe("dark");
    expect(schemeFromMarkers(markers({ classes: ["vscode-high-contrast"] }))).toBe("dark");
    expect(schemeFromMarkers(markers({ classes: ["vscode-high-contrast-light"] }))).toBe("light");
    expect(
      schemeFromMarkers(markers({ attrs: { "data-vscode-theme-kind": "vscode-light" } })),
    ).toBe("light");
    // marimo: body.dark.dark-theme[data-theme=dark]
    expect(
      schemeFromMarkers(
        markers({ classes: ["dark", "dark-theme"], attrs: { "data-theme": "dark" } }),
      ),
    ).toBe("dark");
    expect(schemeFromMarkers(markers({}, { classes: ["dark"] }))).toBe("dark");
    expect(schemeFromMarkers(markers({}, { attrs: { "data-theme": "light" } }))).toBe("light");
  });

  it("says nothing for a page without markers, and JupyterLab wins over the rest", () => {
    expect(schemeFromMarkers(markers({ classes: ["jp-LabShell"] }))).toBeNull();
    expect(
      schemeFromMarkers(
        markers({ classes: ["vscode-dark"], attrs: { "data-jp-theme-light": "true" } }),
      ),
    ).toBe("light");
  });

  it("reads a background's luminance, ignoring see-through ones", () => {
    expect(schemeFromBackground([30, 30, 30, 1])).toBe("dark");
    expect(schemeFromBackground([255, 255, 255, 1])).toBe("light");
    // Mid grey: black text has more contrast on it than white.
    expect(schemeFromBackground([128, 128, 128, 1])).toBe("light");
    expect(schemeFromBackground([0, 0, 0, 0])).toBeNull();
    expect(schemeFromBackground(null)).toBeNull();
  });
});

describe("readTheme", () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.body.className = "";
    for (const name of Object.keys(document.body.dataset)) delete document.body.dataset[name];
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
    expect(theme.muted).toBe("rgba(255, 255, 255, 0.62)");
    // The dark default, made legible on the dark panel (4.5:1).
    const error = parseCssColor(theme.error) ?? [0, 0, 0, 0];
    expect(contrastRatio(error, [37, 37, 38])).toBeGreaterThanOrEqual(4.5);
    expect(error[0]).toBeGreaterThan(200);
  });

  it("reads the error colour, as the confusion matrix's off-diagonal uses it", () => {
    expect(readTheme(themed({ "--jp-error-color1": "#e00000" })).error).toBe("rgb(224, 0, 0)");
    // Pure red is 4.0:1 on white: darkened just enough to reach 4.5:1.
    expect(readTheme(themed({ "--jp-error-color1": "#f00" })).error).toBe("rgb(230, 0, 0)");
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

describe("readTheme on a dark host", () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.body.className = "";
  });

  function themed(vars: Record<string, string>): HTMLElement {
    const el = document.createElement("div");
    for (const [name, value] of Object.entries(vars)) el.style.setProperty(name, value);
    document.body.append(el);
    return el;
  }

  const texts = (t: Theme) => [t.foreground, t.muted, t.accentText, t.error, t.ok];

  it("takes the dark defaults when only the host's class says dark", () => {
    document.body.classList.add("vscode-dark");
    const theme = readTheme(themed({}));
    expect(theme.scheme).toBe("dark");
    expect(theme.background).toBe("rgb(30, 30, 30)");
    for (const c of texts(theme)) {
      const rgba = parseCssColor(c) ?? [0, 0, 0, 0];
      expect(contrastRatio(rgba, [30, 30, 30]), c).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("keeps every text colour of VS Code's dark theme at 4.5:1, and text on the accent", () => {
    document.body.classList.add("vscode-dark");
    const theme = readTheme(
      themed({
        "--vscode-editor-background": "#1f1f1f",
        "--vscode-editor-foreground": "#cccccc",
        "--vscode-descriptionForeground": "#9d9d9d",
        "--vscode-focusBorder": "#0078d4",
        "--vscode-errorForeground": "#f85149",
        "--vscode-button-foreground": "#ffffff",
      }),
    );
    expect(theme.foreground).toBe("rgb(204, 204, 204)");
    // The focus blue stays the accent fill; as text it is lightened.
    expect(theme.accent).toBe("rgb(0, 120, 212)");
    expect(theme.accentText).not.toBe(theme.accent);
    for (const c of texts(theme)) {
      const rgba = parseCssColor(c) ?? [0, 0, 0, 0];
      expect(contrastRatio(rgba, [31, 31, 31]), c).toBeGreaterThanOrEqual(4.5);
    }
    const onAccent = parseCssColor(theme.onAccent) ?? [0, 0, 0, 0];
    expect(contrastRatio(onAccent, [0, 120, 212])).toBeGreaterThanOrEqual(4.5);
  });

  it("writes the scheme and the resolved tokens on a view's root", () => {
    document.body.classList.add("vscode-dark");
    const root = themed({});
    const theme = applyTheme(root);
    expect(root.dataset.nbdlScheme).toBe("dark");
    expect(root.style.getPropertyValue("--nbdl-bg")).toBe(theme.background);
    expect(root.style.getPropertyValue("--nbdl-accent-text")).toBe(theme.accentText);
  });

  it("follows a theme switch on <body>", async () => {
    const root = themed({});
    const seen: string[] = [];
    const stop = watchTheme(root, (t) => seen.push(t.scheme));
    document.body.classList.add("vscode-dark");
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    expect(seen).toEqual(["light", "dark"]);
    expect(root.dataset.nbdlScheme).toBe("dark");
  });
});
