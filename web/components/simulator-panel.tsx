// Simulator controls (only when the service runs on its built-in upstream): fault rates, latency, and
// "advance upstream" to make drift a sync then has to catch up with.
import { useEffect, useState } from "preact/hooks";
import { advanceSimulator, getSimulator, RequestError, type SimState, updateSimulator } from "../api";
import { useToast } from "../use-toasts";
import { LoadError } from "./load-error";

type FailureKind = SimState["failure_kinds"][number];
const FAILURE_KINDS: readonly FailureKind[] = ["http_500", "http_503", "timeout", "malformed"];
const KIND_LABEL: Record<FailureKind, string> = {
  http_500: "HTTP 500",
  http_503: "HTTP 503",
  timeout: "Timeout",
  malformed: "Malformed JSON",
};

type Form = { failure: string; rateLimit: string; invalid: string; latency: string; kinds: FailureKind[] };

const percent = (rate: number) => String(Math.round(rate * 100));

function formFrom(state: SimState): Form {
  return {
    failure: percent(state.failure_rate),
    rateLimit: percent(state.rate_limit_rate),
    invalid: percent(state.invalid_rate),
    latency: String(state.latency_ms),
    kinds: state.failure_kinds,
  };
}

const message = (err: unknown) => (err instanceof RequestError ? err.message : String(err));

export function SimulatorPanel({ onAdvanced }: { onAdvanced: () => void }) {
  const toast = useToast();
  // undefined: loading; null: no simulator here (404), so the panel hides.
  const [sim, setSim] = useState<SimState | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [drift, setDrift] = useState({ updates: "10", creates: "5", deletes: "2" });
  const [busy, setBusy] = useState<"apply" | "advance" | null>(null);

  const load = () => {
    setLoadError(null);
    getSimulator()
      .then((state) => {
        setSim(state);
        if (state) setForm(formFrom(state));
      })
      .catch((err: unknown) => setLoadError(message(err)));
  };
  useEffect(load, []);

  if (sim === null) return null;

  const apply = async (event: Event) => {
    event.preventDefault();
    if (!form) return;
    setBusy("apply");
    try {
      const state = await updateSimulator({
        failure_rate: Number(form.failure) / 100,
        rate_limit_rate: Number(form.rateLimit) / 100,
        invalid_rate: Number(form.invalid) / 100,
        latency_ms: Number(form.latency),
        failure_kinds: form.kinds,
      });
      setSim(state);
      setForm(formFrom(state));
      toast.show("success", "Simulator settings saved.");
    } catch (err) {
      toast.show("error", `Could not save the simulator settings: ${message(err)}`);
    } finally {
      setBusy(null);
    }
  };

  const advance = async (event: Event) => {
    event.preventDefault();
    setBusy("advance");
    try {
      const result = await advanceSimulator({
        updates: Number(drift.updates),
        creates: Number(drift.creates),
        deletes: Number(drift.deletes),
      });
      toast.show(
        "success",
        `Upstream moved to version ${result.version}: ${result.updated} updated, ${result.created} created, ${result.deleted} deleted. Sync to catch up.`,
      );
      setSim((s) => (s ? { ...s, version: result.version } : s));
      onAdvanced();
    } catch (err) {
      toast.show("error", `Could not advance the upstream: ${message(err)}`);
    } finally {
      setBusy(null);
    }
  };

  const number = (key: keyof Omit<Form, "kinds">, label: string, max: number, unit: string) => (
    <label class="field">
      <span>
        {label} ({unit})
      </span>
      <input
        type="number"
        min={0}
        max={max}
        step={1}
        required
        value={form?.[key] ?? ""}
        onInput={(e) => setForm((f) => (f ? { ...f, [key]: e.currentTarget.value } : f))}
      />
    </label>
  );

  return (
    <section class="card" aria-labelledby="sim-title" data-testid="simulator-panel">
      <h2 id="sim-title">Upstream simulator</h2>
      <p class="muted">
        The service runs against its built-in fake upstream
        {sim ? ` (version ${sim.version}, ${sim.live_count} live tasks)` : ""}. Make it fail or drift, then
        sync and watch retries and results.
      </p>
      {loadError && <LoadError what="the simulator settings" error={loadError} onRetry={load} />}
      {form && (
        <form class="sim-form" onSubmit={apply}>
          <div class="grid-fields">
            {number("failure", "Failure rate", 100, "%")}
            {number("rateLimit", "Rate-limit rate", 100, "%")}
            {number("invalid", "Invalid records", 100, "%")}
            {number("latency", "Latency", 60000, "ms")}
          </div>
          <fieldset class="checks">
            <legend>Failure kinds</legend>
            {FAILURE_KINDS.map((kind) => (
              <label key={kind}>
                <input
                  type="checkbox"
                  checked={form.kinds.includes(kind)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setForm((f) =>
                      f ? { ...f, kinds: on ? [...f.kinds, kind] : f.kinds.filter((k) => k !== kind) } : f,
                    );
                  }}
                />
                <span>{KIND_LABEL[kind]}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" class="button" disabled={busy !== null || form.kinds.length === 0}>
            {busy === "apply" ? "Saving…" : "Apply settings"}
          </button>
        </form>
      )}
      <form class="sim-form" onSubmit={advance}>
        <div class="grid-fields">
          {(["updates", "creates", "deletes"] as const).map((key) => (
            <label key={key} class="field">
              <span>{key[0].toUpperCase() + key.slice(1)}</span>
              <input
                type="number"
                min={0}
                max={100000}
                required
                value={drift[key]}
                onInput={(e) => {
                  const value = e.currentTarget.value;
                  setDrift((d) => ({ ...d, [key]: value }));
                }}
              />
            </label>
          ))}
        </div>
        <button type="submit" class="button" disabled={busy !== null}>
          {busy === "advance" ? "Advancing…" : "Advance upstream"}
        </button>
      </form>
    </section>
  );
}
