// Shown while /api/health says the database refuses writes (locked, full, read-only): changes fail until then.
import type { Health } from "../api";

export function DatabaseBanner({ health }: { health: Health | null }) {
  if (!health || health.database.ok) return null;
  const problem = health.database.problem ?? "the database is not accepting changes";
  return (
    <div class="banner" role="alert" data-testid="database-banner">
      <strong>Changes cannot be saved right now:</strong> {problem}. Deletes, restores and syncs will fail
      until it recovers; reading still works, and this page keeps checking.
    </div>
  );
}
