// Turns zod's validation failures (flattened by zod itself) into the API's 400 or into readable lines.
import { z } from "zod";
import { ApiError } from "./errors";

export type InputIssue = { field: string; message: string };

/** One `{field, message}` per problem, from zod's own flattening; problems with the whole input are "(root)". */
export function issueDetails(error: z.ZodError): InputIssue[] {
  const { formErrors, fieldErrors } = z.flattenError(error) as {
    formErrors: string[];
    fieldErrors: Record<string, string[] | undefined>;
  };
  return [
    ...formErrors.map((message) => ({ field: "(root)", message })),
    ...Object.entries(fieldErrors).flatMap(([field, messages]) =>
      (messages ?? []).map((message) => ({ field, message })),
    ),
  ];
}

/** The 400 for input that failed its schema: names the fields in the message, lists each problem in details. */
export function invalidInput(error: z.ZodError): ApiError {
  const details = issueDetails(error);
  // Field problems are named by field; a problem with the whole input (an unknown key) says what it is.
  const parts = details.map((d) => (d.field === "(root)" ? d.message : d.field));
  return new ApiError("validation_error", `Invalid request: ${[...new Set(parts)].join(", ")}`, details);
}

/** Parses `input` with `schema` or throws the 400 for it. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw invalidInput(result.error);
  return result.data;
}

/** Every problem on its own line as `  FIELD: message`, for a person reading a log or a terminal. */
export function describeIssues(error: z.ZodError): string {
  return issueDetails(error)
    .map((d) => `  ${d.field}: ${d.message}`)
    .join("\n");
}
