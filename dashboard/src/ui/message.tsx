import { describeError } from "../api/errors";

/** An error in words, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  return (
    <p class="message error" role="alert">
      {describeError(error)}
    </p>
  );
}
