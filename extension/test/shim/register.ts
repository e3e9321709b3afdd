/**
 * Makes require("vscode") load the recording stand-in (dist/test/vscode-shim.js).
 * Import it first in every test file that loads the extension.
 */
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module") as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const shim = path.join(__dirname, "vscode-shim.js");
const original = Module._resolveFilename;
Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === "vscode" ? shim : original.call(this, request, ...rest);
};
