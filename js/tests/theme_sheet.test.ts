// lib/theme.css is the one place the views' colours map the host's variables;
// lib/theme.ts reads the same chains for the canvases. These tests fail when
// the two drift apart again, or a view's sheet goes back to its own copy.
/// <reference types="node" />
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LIGHT, parseCssColor, rgbaToCss, THEME_VARIABLES } from "../src/lib/theme";

// Read as text: vitest does not hand test files a stylesheet's contents.
const sheetOf = (file: string): string =>
  readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8");

/** `name: value;` declarations of a sheet (comments dropped). */
function declarations(sheet: string): Map<string, string> {
  const text = sheet.replace(/\/\*[\s\S]*?\*\//g, "");
  return new Map([...text.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

/** `var(--a, var(--b, #fff))` → sources [--a, --b] and fallback `#fff`. */
function chain(value: string): { sources: string[]; fallback: string } {
  const sources: string[] = [];
  let rest = value.trim();
  while (rest.startsWith("var(") && rest.endsWith(")")) {
    const inner = rest.slice(4, -1);
    const comma = inner.indexOf(",");
    sources.push(inner.slice(0, comma).trim());
    rest = inner.slice(comma + 1).trim();
  }
  return { sources, fallback: rest };
}

const declared = declarations(sheetOf("lib/theme.css"));
// Every sheet under src/ but the theme itself; the top-level ones are the bundles.
const views = Object.fromEntries(
  readdirSync(new URL("../src/", import.meta.url), { recursive: true, encoding: "utf8" })
    .map((file) => file.replaceAll("\\", "/"))
    .filter((file) => file.endsWith(".css") && file !== "lib/theme.css")
    .sort()
    .map((file) => [file, sheetOf(file)]),
);

describe("lib/theme.css", () => {
  for (const [key, variable] of Object.entries(THEME_VARIABLES)) {
    it(`maps ${variable.name} from the variables lib/theme.ts reads for ${key}`, () => {
      const value = declared.get(variable.name);
      expect(value, `${variable.name} is not declared`).toBeDefined();
      const { sources, fallback } = chain(value ?? "");
      expect(sources).toEqual(variable.sources);
      const parsed = parseCssColor(fallback);
      expect(parsed && rgbaToCss(parsed)).toBe(LIGHT[key as keyof typeof THEME_VARIABLES]);
    });
  }

  it("is bundled into every view's sheet, whose colours all come from it", () => {
    for (const [file, sheet] of Object.entries(views)) {
      const own = [...declarations(sheet).keys()].filter((name) => declared.has(name));
      expect(own, `${file} redeclares theme variables`).toEqual([]);
      expect(sheet, `${file} reads a host colour directly`).not.toMatch(
        /var\(--(jp|vscode)-[\w-]*colou?r/,
      );
      for (const [, name] of sheet.matchAll(/var\((--nbdl-[\w-]+)\)/g)) {
        expect(declared.has(name), `${file} uses ${name}, which lib/theme.css lacks`).toBe(true);
      }
    }
    const bundles = Object.keys(views).filter((file) => !file.includes("/"));
    expect(bundles).toEqual([
      "confusion.css",
      "gallery.css",
      "issues.css",
      "report.css",
      "scatter.css",
      "toolbar.css",
    ]);
    for (const file of bundles) expect(views[file], file).toMatch(/@import "\.\/lib\/theme\.css";/);
  });
});
