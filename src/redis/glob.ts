// Redis glob patterns (the MATCH syntax of SCAN) as regular expressions, so the in-process cache
// invalidates exactly the keys Redis would.

/** `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\x` escapes, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let out = "^";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") out += "[\\s\\S]*";
    else if (ch === "?") out += "[\\s\\S]";
    else if (ch === "\\" && i + 1 < glob.length) out += escapeRegExp(glob[++i]!);
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      const cls = body.replace(/[\\\]]/g, "\\$&");
      out += `[${negate ? "^" : ""}${cls}]`;
      i = end;
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`${out}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
