import { defineConfig } from "vitest/config";

// Tests run in Node; a test file that needs a DOM opts in with a
// `// @vitest-environment happy-dom` comment so the rest stay fast.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
