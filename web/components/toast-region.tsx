// Where toasts appear; a polite live region so screen readers announce them.
import type { Toast } from "../use-toasts";

type Props = { toasts: Toast[]; onDismiss: (id: number) => void };

export function ToastRegion({ toasts, onDismiss }: Props) {
  return (
    <section class="toasts" aria-label="Notifications" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.tone}`} data-testid="toast">
          <p>{toast.text}</p>
          {toast.action && (
            <button
              type="button"
              class="button small"
              onClick={() => {
                toast.action?.run();
                onDismiss(toast.id);
              }}
            >
              {toast.action.label}
            </button>
          )}
          <button
            type="button"
            class="icon-button"
            aria-label="Dismiss notification"
            onClick={() => onDismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
