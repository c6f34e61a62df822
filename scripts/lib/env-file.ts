// A minimal .env reader for the operator scripts: KEY=VALUE lines, `#` comments (whole-line, or after
// whitespace on an unquoted value), optional `export `, single or double quotes. Enough for the
// files .env.example documents; no variable expansion, on purpose (a backup target must be literal).

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(raw)) continue;
    const m = LINE.exec(raw);
    if (!m) continue;
    const key = m[1]!;
    let value = m[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
      value = value.slice(1, value.indexOf(quote, 1));
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      // `KEY=   # comment` (as in .env.example) is an empty value, not the comment.
      value = value.replace(/(^|\s+)#.*$/, "").trim();
    }
    out[key] = value;
  }
  return out;
}
