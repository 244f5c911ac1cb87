// Light/dark theme: follows the system until the user picks one, which is remembered in localStorage.
import { useCallback, useEffect, useState } from "preact/hooks";

export type Theme = "light" | "dark";
const KEY = "tasksync.theme";
const darkQuery = () => window.matchMedia("(prefers-color-scheme: dark)");

export function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null;
  }
}

/** Sets data-theme on <html>; with none, the stylesheet follows prefers-color-scheme. Call before render. */
export function applyTheme(theme: Theme | null) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function effectiveTheme(): Theme {
  return storedTheme() ?? (darkQuery().matches ? "dark" : "light");
}

export function useTheme(): { theme: Theme; toggle: () => void } {
  const [theme, setTheme] = useState<Theme>(effectiveTheme);

  useEffect(() => {
    const query = darkQuery();
    const onChange = () => setTheme(effectiveTheme());
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);

  const toggle = useCallback(() => {
    const next: Theme = effectiveTheme() === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Storage disabled: the choice lasts until reload.
    }
    applyTheme(next);
    setTheme(next);
  }, []);

  return { theme, toggle };
}
