// Polls /api/health while the page is visible, so a database that stops accepting writes shows up unasked.
import { useEffect, useState } from "preact/hooks";
import { getHealth, type Health } from "./api";

export const HEALTH_POLL_MS = 15_000;

export function useHealth(intervalMs = HEALTH_POLL_MS): Health | null {
  const [health, setHealth] = useState<Health | null>(null);
  useEffect(() => {
    let stopped = false;
    const check = () =>
      getHealth()
        .then((h) => !stopped && setHealth(h))
        // Unreachable is the offline banner's to say; this one speaks only for the database.
        .catch(() => !stopped && setHealth(null));
    void check();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void check();
    }, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [intervalMs]);
  return health;
}
