// Bundles every top-level js/src/*.ts (one entry per view) and js/src/*.css into
// nbdatalens/static/<name>.js / <name>.css.
//
//   node build.mjs           one deterministic build (what CI compares with git)
//   node build.mjs --watch   rebuild on change (restart to pick up a new view file)
//   NBDL_NO_MINIFY=1 node build.mjs   readable bundles for a profile (never commit these)
//
// The built files are committed, so the output must not depend on the machine:
// no sourcemaps, no absolute paths, and the same options in watch mode as in a
// one-off build, so a watched build can be committed as it is.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(here, "src");
const outDir = path.resolve(here, "..", "nbdatalens", "static");
const watch = process.argv.includes("--watch");

/** Top-level files of src/ with the given extension, sorted so output order is stable. */
function entries(ext) {
  if (!existsSync(srcDir)) return [];
  return readdirSync(srcDir)
    .filter((name) => name.endsWith(ext) && !name.endsWith(".d.ts"))
    .filter((name) => statSync(path.join(srcDir, name)).isFile())
    .sort()
    .map((name) => path.join(srcDir, name));
}

const shared = {
  bundle: true,
  minify: process.env.NBDL_NO_MINIFY !== "1",
  target: "es2020",
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  outdir: outDir,
  logLevel: "info",
};

const scriptEntries = entries(".ts");
const styleEntries = entries(".css");

// A view that imports CSS would make esbuild emit <view>.css too and clash with
// a src/<view>.css entry; styles go in their own src/*.css file instead.
const rejectCssImports = {
  name: "reject-css-imports",
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, (args) => ({
      errors: [
        {
          text: `${args.path}: views do not import CSS; put styles in src/<view>.css (built to static/<view>.css for _css)`,
        },
      ],
    }));
  },
};
const jsOptions = {
  ...shared,
  entryPoints: scriptEntries,
  format: "esm",
  platform: "browser",
  plugins: [rejectCssImports],
};
const cssOptions = { ...shared, entryPoints: styleEntries, loader: { ".css": "css" } };

const builds = [
  scriptEntries.length > 0 ? jsOptions : null,
  styleEntries.length > 0 ? cssOptions : null,
].filter((options) => options !== null);

if (builds.length === 0) {
  console.log(`build: no entry points in ${path.relative(process.cwd(), srcDir)}/, nothing to do`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });

if (watch) {
  for (const options of builds) {
    const context = await esbuild.context(options);
    await context.watch();
  }
  console.log("build: watching src/ (Ctrl-C to stop)");
} else {
  try {
    await Promise.all(builds.map((options) => esbuild.build(options)));
  } catch {
    // esbuild has already printed the errors with file and line.
    process.exit(1);
  }
}
