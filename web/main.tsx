// Dashboard entry: mounts the app into #app.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";

type Health = { status: string; database: { kind: string; ok: boolean; latency_ms: number }; time: string };

function App() {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.api.health
      .$get()
      .then((r) => r.json())
      .then((h) => setHealth(h as Health))
      .catch((e: unknown) => setError(String(e)));
  }, []);
  return (
    <main>
      <h1>Task Sync</h1>
      {error && <p role="alert">Health check failed: {error}</p>}
      {health && (
        <p data-testid="health">
          Service {health.status} · database {health.database.kind} ({health.database.ok ? "answers" : "down"}
          )
        </p>
      )}
    </main>
  );
}

render(<App />, document.getElementById("app")!);
