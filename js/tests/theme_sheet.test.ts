// lib/theme.css is the one place the views' colours map the host's variables;
// lib/theme.ts reads the same chains for the canvases. These tests fail when
// the two drift apart again, or a view's sheet goes back to its own copy.
/// <reference types="node" />
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DARK, LIGHT, parseCssColor, rgbaToCss, THEME_VARIABLES } from "../src/lib/theme";

// Read as text: vitest does not hand test files a stylesheet's contents.
const sheetOf = (file: string): string =>
  readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8");

/** `name: value;` declarations of a sheet (comments dropped), by rule: selector → declarations. */
function rules(sheet: string): Map<string, Map<string, string>> {
  const text = sheet.replace(/\/\*[\s\S]*?\*\//g, "");
  const out = new Map<string, Map<string, string>>();
  for (const m of text.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const body = new Map(
      [...m[2].matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((d) => [d[1], d[2].trim()]),
    );
    const selector = m[1].trim().replace(/\s+/g, " ");
    out.set(selector, new Map([...(out.get(selector) ?? new Map()), ...body]));
  }
  return out;
}

/** Every custom property declaration of a sheet, whatever its rule. */
function declarations(sheet: string): Map<string, string> {
  return new Map([...rules(sheet).values()].flatMap((body) => [...body]));
}

/** `var(--a, var(--b, var(--nbdl-default-x)))` → sources [--a, --b] and fallback `var(--nbdl-default-x)`. */
function chain(value: string): { sources: string[]; fallback: string } {
  const sources: string[] = [];
  let rest = value.replace(/\s+/g, " ").trim();
  while (rest.startsWith("var(") && rest.endsWith(")") && rest.includes(",")) {
    const inner = rest.slice(4, -1);
    const comma = inner.indexOf(",");
    sources.push(inner.slice(0, comma).trim());
    rest = inner.slice(comma + 1).trim();
  }
  return { sources, fallback: rest };
}

const sheetRules = rules(sheetOf("lib/theme.css"));
const ROOTS = [
  ".nbdl-confusion",
  ".nbdl-gallery",
  ".nbdl-issues",
  ".nbdl-scatter",
  ".nbdl-toolbar",
];
const lightRule = [...sheetRules].find(
  ([sel, body]) => sel === ROOTS.join(", ") && [...body.keys()].some((n) => n.includes("default")),
)?.[1];
const darkRule = sheetRules.get(ROOTS.map((r) => `${r}[data-nbdl-scheme="dark"]`).join(", "));
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
    const k = key as keyof typeof THEME_VARIABLES;
    it(`maps ${variable.name} from the variables lib/theme.ts reads for ${key}`, () => {
      const value = declared.get(variable.name);
      expect(value, `${variable.name} is not declared`).toBeDefined();
      const { sources, fallback } = chain(value ?? "");
      expect(sources).toEqual(variable.sources);
      const fallbackName = variable.name.replace("--nbdl-", "--nbdl-default-");
      expect(fallback).toBe(`var(${fallbackName})`);
      // The scheme's defaults are lib/theme.ts's LIGHT and DARK.
      for (const [rule, palette] of [
        [lightRule, LIGHT],
        [darkRule, DARK],
      ] as const) {
        const parsed = parseCssColor(rule?.get(fallbackName) ?? "");
        expect(parsed && rgbaToCss(parsed), fallbackName).toBe(palette[k]);
      }
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
      "dashboard.css",
      "gallery.css",
      "issues.css",
      "report.css",
      "scatter.css",
      "toolbar.css",
    ]);
    for (const file of bundles) expect(views[file], file).toMatch(/@import "\.\/lib\/theme\.css";/);
  });
});
