import { IN_CI } from "../helpers/services";

export const PROMTOOL = Bun.which("promtool");
if (!PROMTOOL && !IN_CI) {
  process.stderr.write(
    "!!! promtool not installed (apt-get install -y prometheus): promtool checks are SKIPPED\n",
  );
}

/** `promtool check metrics` on the text; null when promtool is not installed. */
export async function promtoolCheck(text: string): Promise<{ code: number; output: string } | null> {
  if (!PROMTOOL) return null;
  const proc = Bun.spawn([PROMTOOL, "check", "metrics"], {
    stdin: new Blob([text]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, output: (out + err).trim() };
}
