/**
 * Type-checks the TypeScript blocks of the docs as one program (the project's
 * TypeScript, a strict user's settings, the package's built types through its own
 * "exports") and emits each block's JavaScript beside it.
 */

import ts from 'typescript';

/** Compiler options of a user project with `strict` on. */
export const DOC_COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  types: ['node'],
  skipLibCheck: true, // the shipped .d.ts are checked without it by test/types
  noEmitOnError: false,
  declaration: false,
  sourceMap: false,
};

/** One diagnostic, positioned in its file (1-based line and column). */
export type Diagnostic = { readonly line: number; readonly column: number; readonly text: string };

/**
 * Type-checks `files` together, writes `x.js` beside every `x.ts`, and returns each
 * file's diagnostics (errors only; options errors go to every file).
 */
export function typecheckAndEmit(files: readonly string[]): Map<string, Diagnostic[]> {
  const program = ts.createProgram({ rootNames: files, options: DOC_COMPILER_OPTIONS });
  const out = new Map<string, Diagnostic[]>(files.map((f) => [f, []]));
  const global: Diagnostic[] = [];
  const all = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  for (const d of all) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    const list = d.file === undefined ? undefined : out.get(d.file.fileName);
    if (d.file === undefined || list === undefined) {
      const where = d.file === undefined ? '' : `${d.file.fileName}: `;
      global.push({ line: 0, column: 0, text: `${where}${text}` });
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    list.push({ line: line + 1, column: character + 1, text });
  }
  for (const list of out.values()) list.unshift(...global);
  return out;
}
