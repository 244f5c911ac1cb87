// The page banner: title, theme toggle and the shortcut help button.
import type { Theme } from "../use-theme";

type Props = { theme: Theme; onToggleTheme: () => void; onHelp: () => void };

export function AppHeader({ theme, onToggleTheme, onHelp }: Props) {
  return (
    <header class="app-header">
      <div>
        <h1>Task Sync</h1>
        <p class="muted">Mirrors tasks from the upstream system into this service's database.</p>
      </div>
      <div class="header-actions">
        <button type="button" class="button" aria-pressed={theme === "dark"} onClick={onToggleTheme}>
          Dark mode
        </button>
        <button type="button" class="button" onClick={onHelp} aria-keyshortcuts="?">
          Shortcuts <kbd>?</kbd>
        </button>
      </div>
    </header>
  );
}
