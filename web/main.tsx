// Dashboard entry: applies the remembered theme before the first render, then mounts the page into #app.
import "./styles.css";
import { render } from "preact";
import { Dashboard } from "./pages/Dashboard";
import { applyTheme, storedTheme } from "./use-theme";

// Before render, so a remembered dark theme never flashes light (no inline script: the CSP forbids it).
applyTheme(storedTheme());

render(<Dashboard />, document.getElementById("app")!);
