// Asks for the API token once when the server answers 401; the token is kept for this tab's session.
import { useState } from "preact/hooks";
import { Modal } from "./modal";

type Props = { open: boolean; onDone: (token: string | null) => void };

export function TokenDialog({ open, onDone }: Props) {
  const [value, setValue] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    const token = value.trim();
    setValue("");
    onDone(token || null);
  };
  return (
    <Modal open={open} onClose={() => onDone(null)} labelledBy="token-title">
      <form onSubmit={submit}>
        <h2 id="token-title">API token needed</h2>
        <p>
          This server protects changes with an API token. Enter it once; it is kept for this browser tab only.
        </p>
        <label class="field">
          <span>API token</span>
          <input
            type="password"
            autocomplete="off"
            required
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <div class="actions">
          <button type="button" class="button" onClick={() => onDone(null)}>
            Cancel
          </button>
          <button type="submit" class="button primary">
            Use token
          </button>
        </div>
      </form>
    </Modal>
  );
}
