import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { installPlainMessages } from "../../src/lib/zod-messages";

installPlainMessages();

const messageOf = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error?.issues[0]?.message;

describe("plain validation messages (the API's zod error map)", () => {
  test("numbers say what they accept", () => {
    const id = z.coerce.number().int().positive().max(2_147_483_647);
    expect(messageOf(id, "abc")).toBe("must be a positive integer");
    expect(messageOf(id, "-1")).toBe("must be a positive integer");
    expect(messageOf(id, "1.5")).toBe("must be a positive integer");
    expect(messageOf(z.coerce.number().int().min(1).max(200), "0")).toBe(
      "must be an integer between 1 and 200",
    );
    expect(messageOf(z.number().int().min(0), -3)).toBe("must be an integer of at least 0");
    expect(messageOf(z.number().max(10), 11)).toBe("must be a number of at most 10");
    expect(messageOf(z.number().positive(), 0)).toBe("must be a number greater than 0");
    expect(messageOf(z.number(), "x")).toBe("must be a number");
  });

  test("missing, texts, lists, enums, formats", () => {
    const body = z.object({ name: z.string(), level: z.enum(["a", "b"]), tags: z.array(z.string()).min(1) });
    const issues = body.safeParse({ tags: [] }).error!.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues).toEqual([
      ["name", "is required"],
      ["level", "is required"],
      ["tags", "must have at least one entry"],
    ]);
    expect(messageOf(z.string().min(1), "")).toBe("must not be empty");
    expect(messageOf(z.string().max(3), "abcd")).toBe("must be at most 3 characters");
    expect(messageOf(z.enum(["json", "csv"]), "xml")).toBe("must be one of: json, csv");
    expect(messageOf(z.literal("ok"), "no")).toBe("must be ok");
    expect(messageOf(z.email(), "nope")).toBe("must be an email address");
    expect(messageOf(z.boolean(), "yes")).toBe("must be true or false");
    expect(messageOf(z.strictObject({ a: z.number() }), { a: 1, b: 2 })).toBe("is not a known field: b");
  });

  test("a schema's own message still wins", () => {
    expect(messageOf(z.string().regex(/^\d+$/, "digits only"), "x")).toBe("digits only");
  });
});
