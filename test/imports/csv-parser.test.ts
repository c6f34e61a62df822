import { describe, expect, test } from "bun:test";
import { CsvParser, type CsvRecord, CsvTooLongError } from "../../src/lib/csv-parser";

/** Parses text fed in pieces of `size` characters (1 = every split point). */
function parse(text: string, size = text.length || 1): CsvRecord[] {
  const parser = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size), out);
  parser.finish(out);
  return out;
}

describe("CsvParser (RFC 4180)", () => {
  const sample = 'a,b,c\r\n1,"two, with comma","say ""hi"""\r\n\r\n3,"multi\r\nline\nfield",x\n4,,\r5,"",z';

  test("quotes, escaped quotes, CRLF / LF / CR, newlines inside quotes, blank lines; lines are physical", () => {
    const records = parse(sample);
    expect(records.map((r) => r.fields)).toEqual([
      ["a", "b", "c"],
      ["1", "two, with comma", 'say "hi"'],
      ["3", "multi\r\nline\nfield", "x"],
      ["4", "", ""],
      ["5", "", "z"],
    ]);
    // Line 3 is blank; the multi-line record starts on line 4 and spans 3 lines.
    expect(records.map((r) => r.line)).toEqual([1, 2, 4, 7, 8]);
    expect(records.every((r) => !r.malformed)).toBe(true);
  });

  test("the same records whatever the chunk boundaries", () => {
    const whole = parse(sample);
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parse(sample, size)).toEqual(whole);
  });

  test("no final line end; trailing line end adds no record", () => {
    expect(parse("a,b\n1,2").map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(parse("a,b\n1,2\n").map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(parse("a,b\r\n1,2\r\n", 1).map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  test("broken quoting is flagged on that record only", () => {
    const records = parse('h1,h2\n"x"y,2\nok,3\n"never closed,4\n5,6');
    expect(records[1]!.malformed).toBe("text after a closing quote");
    expect(records[1]!.fields).toEqual(["xy", "2"]);
    expect(records[2]!.malformed).toBeUndefined();
    expect(records[3]!.malformed).toBe("a quoted field is never closed");
    expect(records).toHaveLength(4);
  });

  test("a quote inside an unquoted field is kept", () => {
    expect(parse('a\n12" pipe\n')[1]!.fields).toEqual(['12" pipe']);
  });

  test("a record longer than the limit is refused with its line", () => {
    const parser = new CsvParser({ maxRecordChars: 10 });
    expect(() => parser.push('a\n"0123456789012345', [])).toThrow(CsvTooLongError);
  });
});
