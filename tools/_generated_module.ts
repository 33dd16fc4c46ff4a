/**
 * Renders a generated TypeScript module that holds one base64 string constant, split in lines.
 * @module
 */

/** What {@linkcode renderBase64Module} writes. */
export interface Base64ModuleOptions {
  /** The `//` comment lines at the top (without the `// `). */
  header: readonly string[];
  /** The JSDoc summary of the constant. */
  doc: string;
  /** The exported constant's name. */
  name: string;
  /** Base64 characters per line. */
  lineLength: number;
}

/**
 * The text of a module exporting `base64` as a string constant, formatted as `deno fmt` leaves it.
 * @param base64 the content
 * @param options the header, the constant's name and doc, the line length
 * @returns the module's text
 */
export function renderBase64Module(
  base64: string,
  options: Base64ModuleOptions,
): string {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += options.lineLength) {
    lines.push(`  "${base64.slice(i, i + options.lineLength)}",`);
  }
  return [
    ...options.header.map((line) => `// ${line}`),
    "",
    `/** ${options.doc} */`,
    `export const ${options.name}: string = [`,
    ...lines,
    '].join("");',
    "",
  ].join("\n");
}
