import { describe, expect, it } from "vitest";
import { formatCount, formatMetric, formatShare } from "../src/lib/format";

describe("formatCount", () => {
  it("groups thousands with commas whatever the locale", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(0)).toBe("0");
    expect(formatCount(-45210)).toBe("-45,210");
    expect(formatCount(12.6)).toBe("13");
    expect(formatCount(Number.NaN)).toBe("—");
  });
});

describe("formatShare", () => {
  it("shows one decimal and never rounds a non-zero share to 0.0% or 100.0%", () => {
    expect(formatShare(0.1234)).toBe("12.3%");
    expect(formatShare(0)).toBe("0.0%");
    expect(formatShare(1)).toBe("100.0%");
    expect(formatShare(0.0001)).toBe("<0.1%");
    expect(formatShare(0.99999)).toBe(">99.9%");
    expect(formatShare(Number.NaN)).toBe("—");
  });
});

describe("formatMetric", () => {
  it("keeps 3 significant digits", () => {
    expect(formatMetric(0.123456)).toBe("0.123");
    expect(formatMetric(1)).toBe("1.00");
    expect(formatMetric(12.3456)).toBe("12.3");
    expect(formatMetric(-0.5)).toBe("-0.500");
    expect(formatMetric(0)).toBe("0");
    expect(formatMetric(1234.5)).toBe("1,230");
    expect(formatMetric(999.96)).toBe("1,000");
  });

  it("switches to exponents for very small and very large values", () => {
    expect(formatMetric(0.000025)).toBe("2.50e-5");
    expect(formatMetric(123456789)).toBe("1.23e8");
    expect(formatMetric(0.001)).toBe("0.00100");
  });

  it("shows a dash for NaN and infinity signs for infinities", () => {
    expect(formatMetric(Number.NaN)).toBe("—");
    expect(formatMetric(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(formatMetric(Number.NEGATIVE_INFINITY)).toBe("-∞");
  });
});
