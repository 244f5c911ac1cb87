// A native modal <dialog>: focus is trapped, the page behind is inert, and Esc closes it.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

type Props = {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  class?: string;
  children: ComponentChildren;
};

export function Modal({ open, onClose, labelledBy, class: className, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={ref} class={`modal ${className ?? ""}`} aria-labelledby={labelledBy} onClose={onClose}>
      {children}
    </dialog>
  );
}
