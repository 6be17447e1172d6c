// The toolbar's copies of Python's constants (it needs them before the kernel
// answers) must equal what tests/test_view_contract.py writes from
// nbdatalens.annotations and nbdatalens.export.
import { describe, expect, it } from "vitest";
import { BUILTIN_TAGS, MAX_SELECTION_NAME_LENGTH, MAX_TAG_LENGTH } from "../src/toolbar/controls";
import { EXPORT_FORMATS, KNOWN_SUFFIXES } from "../src/toolbar/state";
import contract from "./fixtures/contract.json";

const suffixFormats: Record<string, string> = contract.suffix_formats;

describe("constants shared with Python", () => {
  it("has the built-in tags in bit order and the name limits", () => {
    expect(BUILTIN_TAGS).toEqual(contract.builtin_tags);
    expect(MAX_TAG_LENGTH).toBe(contract.max_tag_length);
    expect(MAX_SELECTION_NAME_LENGTH).toBe(contract.max_selection_name_length);
  });

  it("offers every export format, in Python's order", () => {
    expect(EXPORT_FORMATS.map((f) => f.value)).toEqual(contract.formats);
  });

  it("names files with suffixes Python reads back as the same format", () => {
    const suffixed = new Set(Object.values(suffixFormats));
    for (const f of EXPORT_FORMATS) {
      expect(Object.keys(suffixFormats), f.value).toContain(f.suffix);
      expect(KNOWN_SUFFIXES, f.value).toContain(f.suffix);
      // Label Studio has no suffix of its own: it is written as .json.
      if (suffixed.has(f.value)) expect(suffixFormats[f.suffix], f.value).toBe(f.value);
    }
    for (const suffix of KNOWN_SUFFIXES) expect(Object.keys(suffixFormats)).toContain(suffix);
  });
});
