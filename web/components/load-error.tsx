// The inline message when a panel could not load its data, with a Try again button where retrying is manual.
type Props = { what: string; error: string; onRetry?: () => void };

export function LoadError({ what, error, onRetry }: Props) {
  return (
    <p class="inline-error" role="alert">
      Could not load {what}: {error}
      {onRetry && (
        <>
          {" "}
          <button type="button" class="button small" onClick={onRetry}>
            Try again
          </button>
        </>
      )}
    </p>
  );
}
