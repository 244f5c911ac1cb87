// The keyboard shortcut overlay (opened with "?").
import { Modal } from "./modal";

export const SHORTCUTS: [key: string, what: string][] = [
  ["s", "Start a sync (in the selected mode)"],
  ["r", "Refresh status, history and tasks"],
  ["/", "Focus the task search"],
  ["?", "Show this help"],
  ["Esc", "Close a dialog"],
];

export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} onClose={onClose} labelledBy="help-title">
      <h2 id="help-title">Keyboard shortcuts</h2>
      <p class="muted">Shortcuts are ignored while you type in a field.</p>
      <dl class="shortcuts">
        {SHORTCUTS.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" class="actions">
        <button type="submit" class="button">
          Close
        </button>
      </form>
    </Modal>
  );
}
