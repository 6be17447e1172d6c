// Number formatting for counts, shares and metrics in tooltips and headers.
//
// Locale-independent on purpose: the same notebook shows the same text on
// every machine, and tests can pin the exact strings.

/** Shown for a value that is not a number. */
export const MISSING_TEXT = "—";

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * An integer count with thousands separators (rounded if not whole).
 *
 * @example formatCount(1234567) // "1,234,567"
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return MISSING_TEXT;
  const rounded = Math.round(n);
  const sign = rounded < 0 ? "-" : "";
  return sign + groupThousands(String(Math.abs(rounded)));
}

/**
 * A fraction as a percentage with one decimal. A share that is not zero never
 * reads "0.0%" (nor a partial one "100.0%"): it reads "<0.1%" / ">99.9%".
 *
 * @example formatShare(0.1234) // "12.3%"
 */
export function formatShare(fraction: number): string {
  if (!Number.isFinite(fraction)) return MISSING_TEXT;
  if (fraction > 0 && fraction < 0.0005) return "<0.1%";
  if (fraction < 1 && fraction >= 0.9995) return ">99.9%";
  return `${(fraction * 100).toFixed(1)}%`;
}

/**
 * A metric (loss, confidence, precision, ...) to 3 significant digits:
 * plain decimals from 0.001 to 99,950, exponent notation outside that range.
 *
 * @example formatMetric(0.123456) // "0.123"
 * @example formatMetric(2.5e-5) // "2.50e-5"
 */
export function formatMetric(x: number): string {
  if (Number.isNaN(x)) return MISSING_TEXT;
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  const magnitude = Math.abs(x);
  // 999.95 rounds up to 1.00e3, so the range tests use the rounded value.
  const rounded = Number(x.toPrecision(3));
  const roundedMagnitude = Math.abs(rounded);
  if (magnitude < 0.001 || roundedMagnitude >= 1e5) {
    return x.toExponential(2).replace("e+", "e");
  }
  if (roundedMagnitude >= 1000) return formatCount(rounded);
  return x.toPrecision(3);
}
