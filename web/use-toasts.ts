// Toast notifications for actions: one list per page, shared through context.
import { createContext } from "preact";
import { useCallback, useContext, useMemo, useRef, useState } from "preact/hooks";

export type ToastTone = "info" | "success" | "error";
export type Toast = {
  id: number;
  tone: ToastTone;
  text: string;
  action?: { label: string; run: () => void };
};
export type ToastApi = {
  show: (tone: ToastTone, text: string, action?: Toast["action"]) => number;
  dismiss: (id: number) => void;
};

// Errors stay longer (and every failure is also shown inline where it happened); each toast can be closed.
const LIFETIME_MS: Record<ToastTone, number> = { info: 6000, success: 6000, error: 15_000 };
const ACTION_LIFETIME_MS = 10_000;

export const ToastContext = createContext<ToastApi>({ show: () => 0, dismiss: () => {} });

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

/** Owns the toast list; the page provides the returned api through ToastContext. */
export function useToastList(): { toasts: Toast[] } & ToastApi {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);

  const show = useCallback(
    (tone: ToastTone, text: string, action?: Toast["action"]) => {
      const id = nextId.current++;
      // Newest last, at most three on screen: more covered the run history beside them.
      setToasts((list) => [...list, { id, tone, text, action }].slice(-3));
      const lifetime = action ? ACTION_LIFETIME_MS : LIFETIME_MS[tone];
      setTimeout(() => dismiss(id), lifetime);
      return id;
    },
    [dismiss],
  );

  return useMemo(() => ({ toasts, show, dismiss }), [toasts, show, dismiss]);
}
