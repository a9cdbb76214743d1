import type { ReactNode } from "react";

/** A section that is still loading; polite so screen readers hear it once. */
export function Loading({ label }: { label: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** A failed request, with what the server said and a way to try again. */
export function ErrorState({ title, error, onRetry }: { title: string; error: Error | null | undefined; onRetry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <strong>{title}</strong>
      {error?.message ? <span>: {error.message}</span> : null}
      {onRetry ? (
        <button type="button" className="link-button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}
