#!/usr/bin/env node
// A native-CLI front end for the pinned solcjs (WebAssembly) compiler.
//
// Speaks the subset of `solc` that ape-solidity (py-solc-x), forge and slither (crytic-compile) use:
//   solc --version
//   solc [--base-path P] [--include-path P]... [--allow-paths a,b] --standard-json   (JSON on stdin)
//   solc [remap=target]... file.sol... --combined-json abi,bin,... [--base-path P] [--allow-paths ...]
// No compiler is ever downloaded: the compilers are npm packages pinned in package-lock.json, `solc` and its
// aliases `solc-<version>`. tools/solc/register.sh registers one executable per version; each sets
// SOLCJS_VERSION, and this front end loads the module of that version (unset: the `solc` package).
"use strict";

const fs = require("fs");
const path = require("path");

const MODULE_ROOTS = [process.cwd(), path.join(__dirname, "..", "..")];

function resolveModule(name) {
  try {
    return require.resolve(name, { paths: MODULE_ROOTS });
  } catch (e) {
    return null;
  }
}

function moduleVersion(main) {
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

// The solcjs module of `version` among `solc` and `solc-<version>`; exits with a one-line message if none is.
function loadSolc(version) {
  const names = version ? ["solc", `solc-${version}`] : ["solc"];
  const found = [];
  for (const name of names) {
    const main = resolveModule(name);
    if (!main) continue;
    const have = moduleVersion(main);
    if (!version || have === version) return require(main);
    found.push(`${name}@${have}`);
  }
  process.stderr.write(
    `solc ${version || "(default)"}: no solcjs module of that version in node_modules ` +
      `(found: ${found.join(", ") || "none"}; run npm ci, or add "solc-${version}": "npm:solc@${version}")\n`,
  );
  process.exit(2);
}

const solc = loadSolc(process.env.SOLCJS_VERSION);

function writeOut(text) {
  // Synchronous writes: process.stdout.write + process.exit truncates large outputs on a pipe.
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

function nativeVersion() {
  // "0.8.28+commit.7893614a.Emscripten.clang" -> "0.8.28+commit.7893614a.Linux.g++"
  return solc.version().replace(/\.Emscripten\.clang$/, ".Linux.g++");
}

function parseArgs(argv) {
  const opts = { basePath: null, includePaths: [], allowPaths: [], remappings: [], files: [], combined: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (a.includes("=")) return a.slice(a.indexOf("=") + 1);
      i += 1;
      return argv[i];
    };
    if (a === "--version" || a === "-v") opts.version = true;
    else if (a === "--standard-json") opts.standardJson = true;
    else if (a.startsWith("--base-path")) opts.basePath = value();
    else if (a.startsWith("--include-path")) opts.includePaths.push(value());
    else if (a.startsWith("--allow-paths")) opts.allowPaths.push(...value().split(","));
    else if (a.startsWith("--combined-json")) opts.combined = value().split(",");
    else if (a.startsWith("--evm-version")) opts.evmVersion = value();
    else if (a === "--optimize") opts.optimize = true;
    else if (a.startsWith("--optimize-runs")) opts.optimizeRuns = Number(value());
    else if (a === "--via-ir") opts.viaIR = true;
    else if (a.startsWith("--")) {
      // Flags without a value that do not change the output (e.g. --no-color, --pretty-json).
    } else if (/^[^=]*=/.test(a) && !a.endsWith(".sol")) opts.remappings.push(a);
    else opts.files.push(a);
  }
  return opts;
}

function makeImportCallback(opts) {
  const roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, process.cwd()].filter(Boolean);
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.flatMap((r) => [path.join(r, importPath), path.join(r, "node_modules", importPath)]);
    for (const c of candidates) {
      if (fs.existsSync(c) && fs.statSync(c).isFile()) return { contents: fs.readFileSync(c, "utf8") };
    }
    return { error: `File not found: ${importPath}` };
  };
}

function standardJson(opts) {
  const input = fs.readFileSync(0, "utf8");
  writeOut(solc.compile(input, { import: makeImportCallback(opts) }));
}

const COMBINED_SELECTION = {
  abi: ["abi"],
  bin: ["evm.bytecode.object"],
  "bin-runtime": ["evm.deployedBytecode.object"],
  srcmap: ["evm.bytecode.sourceMap"],
  "srcmap-runtime": ["evm.deployedBytecode.sourceMap"],
  userdoc: ["userdoc"],
  devdoc: ["devdoc"],
  hashes: ["evm.methodIdentifiers"],
  metadata: ["metadata"],
  "storage-layout": ["storageLayout"],
};

function combinedJson(opts) {
  const sources = {};
  for (const f of opts.files) {
    const key = opts.basePath ? path.relative(opts.basePath, path.resolve(f)) : f;
    sources[key] = { content: fs.readFileSync(f, "utf8") };
  }
  const outputs = new Set(["abi"]);
  for (const c of opts.combined) for (const o of COMBINED_SELECTION[c] || []) outputs.add(o);
  const settings = {
    remappings: opts.remappings,
    outputSelection: { "*": { "*": [...outputs], "": ["ast"] } },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  if (opts.viaIR) settings.viaIR = true;
  if (opts.optimize) settings.optimizer = { enabled: true, runs: opts.optimizeRuns || 200 };
  const out = JSON.parse(
    solc.compile(JSON.stringify({ language: "Solidity", sources, settings }), {
      import: makeImportCallback(opts),
    }),
  );
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  for (const e of out.errors || []) process.stderr.write((e.formattedMessage || e.message) + "\n");
  if (errors.length) process.exit(1);

  const get = (obj, dotted) => dotted.split(".").reduce((o, k) => (o == null ? o : o[k]), obj);
  const combined = { contracts: {}, sources: {}, sourceList: Object.keys(out.sources || {}), version: nativeVersion() };
  for (const [file, contracts] of Object.entries(out.contracts || {})) {
    for (const [name, c] of Object.entries(contracts)) {
      const entry = {};
      for (const key of opts.combined) {
        const sel = COMBINED_SELECTION[key];
        if (sel) entry[key] = get(c, sel[0]);
      }
      combined.contracts[`${file}:${name}`] = entry;
    }
  }
  for (const [file, s] of Object.entries(out.sources || {})) {
    combined.sources[file] = { AST: s.ast, id: s.id };
  }
  writeOut(JSON.stringify(combined));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    writeOut(`solc, the solidity compiler commandline interface\nVersion: ${nativeVersion()}\n`);
  } else if (opts.standardJson) {
    standardJson(opts);
  } else if (opts.combined && opts.files.length) {
    combinedJson(opts);
  } else {
    process.stderr.write("usage: solc --version | --standard-json | <files> --combined-json <outputs>\n");
    process.exit(2);
  }
}

main();
