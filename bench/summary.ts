/** One figure a benchmark reports against its target, for the closing table of `npm run bench`. */
/** `met` is left out where a figure has no target (it is reported for what it explains). */
export type Figure = { figure: string; measured: string; baseline: string; target: string; met?: boolean };

const pad = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
};

export const printFigures = (figures: Figure[]): void => {
  console.log(
    ['', 'figures against their targets', ...pad([
      ['figure', 'measured', 'baseline', 'target', ''],
      ...figures.map((f) => [f.figure, f.measured, f.baseline, f.target, f.met === undefined ? '' : f.met ? 'met' : 'NOT MET']),
    ])].join('\n'),
  );
};
