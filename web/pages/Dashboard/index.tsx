// The dashboard: sync controls and live status, the last run, history, the simulator and the task table.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  deleteTask,
  isRun,
  RequestError,
  type Run,
  restoreTask,
  retryRun,
  type SyncMode,
  setTokenPrompt,
  startSync,
  type Task,
} from "../../api";
import { AppHeader } from "../../components/app-header";
import { DatabaseBanner } from "../../components/database-banner";
import { HelpDialog } from "../../components/help-dialog";
import { LastRunCard } from "../../components/last-run-card";
import { OfflineBanner } from "../../components/offline-banner";
import { RunHistory } from "../../components/run-history";
import { SimulatorPanel } from "../../components/simulator-panel";
import { type Following, SyncPanel } from "../../components/sync-panel";
import { TaskTable } from "../../components/task-table";
import { ToastRegion } from "../../components/toast-region";
import { TokenDialog } from "../../components/token-dialog";
import { countsSummary, formatDuration, RUN_STATUS_LABEL } from "../../format";
import { useHealth } from "../../use-health";
import { useOnline } from "../../use-online";
import { useRuns } from "../../use-runs";
import { useShortcuts } from "../../use-shortcuts";
import { useSyncStatus } from "../../use-sync-status";
import { useTasks } from "../../use-tasks";
import { useTheme } from "../../use-theme";
import { ToastContext, useToastList } from "../../use-toasts";

const short = (title: string) => (title.length > 60 ? `${title.slice(0, 57)}…` : title);
const reason = (err: unknown) => (err instanceof RequestError ? err.message : String(err));

function runSummary(run: Run): string {
  const outcome = RUN_STATUS_LABEL[run.status].toLowerCase();
  const took = formatDuration(run.duration_ms);
  if (run.status === "success") return `Run #${run.id} ${outcome} in ${took}: ${countsSummary(run.counts)}.`;
  return `Run #${run.id} ${outcome} after ${took}: ${run.message ?? countsSummary(run.counts)}`;
}

export function Dashboard() {
  const toasts = useToastList();
  const { show } = toasts;
  const { theme, toggle: toggleTheme } = useTheme();
  const online = useOnline();
  const tasks = useTasks();
  const runs = useRuns();
  const [mode, setMode] = useState<SyncMode>("full");
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  // Runs whose result this tab already announced (its own requests), so the poll does not announce them again.
  const announced = useRef(new Set<number>());
  const [following, setFollowing] = useState<Following | null>(null);
  const [pending, setPending] = useState<Set<number>>(() => new Set());
  const [helpOpen, setHelpOpen] = useState(false);
  const [tokenOpen, setTokenOpen] = useState(false);
  const tokenAnswer = useRef<((token: string | null) => void) | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const health = useHealth();

  const { reload: reloadTasks } = tasks;
  const { reload: reloadRuns } = runs;

  // A run ended, whoever started it: refresh what it changed.
  const onRunFinished = useCallback(
    (run: Run) => {
      reloadTasks();
      reloadRuns();
      setFollowing((f) => (f && f.id === run.id ? { ...f, finished: run } : f));
      // Our own requests announce their result themselves.
      if (!busyRef.current && !announced.current.has(run.id)) {
        announced.current.add(run.id);
        show(run.status === "success" ? "success" : "info", runSummary(run));
      }
    },
    [reloadTasks, reloadRuns, show],
  );
  const sync = useSyncStatus(onRunFinished);
  const latest = isRun(sync.status) ? sync.status : null;

  useEffect(() => {
    setTokenPrompt(
      () =>
        new Promise((resolve) => {
          tokenAnswer.current = resolve;
          setTokenOpen(true);
        }),
    );
    return () => setTokenPrompt(null);
  }, []);

  const answerToken = (token: string | null) => {
    setTokenOpen(false);
    tokenAnswer.current?.(token);
    tokenAnswer.current = null;
  };

  const runRequest = async (call: () => Promise<Run>) => {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    setFollowing(null);
    sync.refresh(true);
    try {
      const run = await call();
      if (run.status === "running") {
        // 202: the run outlived the server's wait and goes on without us; follow it like any running run.
        setFollowing({ id: run.id, finished: null, startedHere: true });
        show("info", "The sync is still running on the server — following it.");
        return;
      }
      announced.current.add(run.id);
      show(run.status === "success" ? "success" : "info", runSummary(run));
    } catch (err) {
      if (err instanceof RequestError && err.code === "sync_in_progress") {
        const id = err.run?.id ?? err.body?.error.run_id ?? null;
        if (id !== null) setFollowing({ id, finished: null, startedHere: false });
        show("info", "A sync is already running — following it.");
      } else if (err instanceof RequestError && err.run) {
        announced.current.add(err.run.id);
        show("error", runSummary(err.run));
      } else if (err instanceof RequestError && err.code === "timeout") {
        show(
          "error",
          "The server has not answered yet; the sync may still be running. Its progress shows above.",
        );
      } else {
        show("error", `Could not start the sync: ${reason(err)}`);
      }
    } finally {
      busyRef.current = false;
      setBusy(false);
      sync.refresh(false);
      reloadTasks();
      reloadRuns();
    }
  };

  const startSyncNow = () => {
    if (busyRef.current || sync.status?.running) {
      show("info", "A sync is already running; its progress shows in the Sync panel.");
      return;
    }
    void runRequest(() => startSync(mode));
  };
  const retry = (run: Run) => void runRequest(() => retryRun(run.id));

  const withPending = async (id: number, work: () => Promise<void>) => {
    setPending((s) => new Set(s).add(id));
    try {
      await work();
    } finally {
      setPending((s) => {
        const next = new Set(s);
        next.delete(id);
        return next;
      });
    }
  };

  const restore = (task: Task, undo: boolean) =>
    withPending(task.id, async () => {
      try {
        await restoreTask(task.id);
        show(
          "success",
          undo ? `Undone: “${short(task.title)}” is back.` : `Restored “${short(task.title)}”.`,
        );
      } catch (err) {
        show("error", `Could not restore “${short(task.title)}”: ${reason(err)}`);
      }
      reloadTasks();
    });

  const remove = (task: Task) =>
    withPending(task.id, async () => {
      try {
        await deleteTask(task.id);
        show("success", `Deleted “${short(task.title)}”.`, {
          label: "Undo",
          run: () => void restore(task, true),
        });
      } catch (err) {
        show("error", `Could not delete “${short(task.title)}”: ${reason(err)}`);
      }
      reloadTasks();
    });

  const refreshAll = () => {
    sync.refresh();
    reloadTasks();
    reloadRuns();
  };

  useShortcuts({
    s: startSyncNow,
    r: refreshAll,
    "/": () => searchRef.current?.focus(),
    "?": () => setHelpOpen(true),
  });

  // The run the status poll shows live goes into the history before the history reloads.
  const historyRuns = useMemo(() => {
    if (!runs.runs || !latest) return runs.runs;
    const known = runs.runs.some((r) => r.id === latest.id);
    return known ? runs.runs.map((r) => (r.id === latest.id ? latest : r)) : [latest, ...runs.runs];
  }, [runs.runs, latest]);

  return (
    <ToastContext.Provider value={toasts}>
      <AppHeader theme={theme} onToggleTheme={toggleTheme} onHelp={() => setHelpOpen(true)} />
      <OfflineBanner online={online} />
      <DatabaseBanner health={health} />
      <main>
        <div class="top-grid">
          <div class="stack">
            <SyncPanel
              status={sync.status}
              statusError={sync.error}
              mode={mode}
              onModeChange={setMode}
              onSync={startSyncNow}
              busy={busy}
              following={following}
            />
            <LastRunCard
              run={latest}
              loaded={sync.status !== null}
              busy={busy || latest?.running === true}
              onRetry={retry}
            />
          </div>
          <div class="stack">
            <RunHistory
              runs={historyRuns}
              error={runs.error}
              onReload={reloadRuns}
              hasOlder={runs.hasOlder}
              loadingOlder={runs.loadingOlder}
              onLoadOlder={runs.loadOlder}
            />
            {sync.status?.source.kind === "simulator" && <SimulatorPanel onAdvanced={refreshAll} />}
          </div>
        </div>
        <TaskTable
          list={tasks}
          pending={pending}
          onDelete={(task) => void remove(task)}
          onRestore={(task) => void restore(task, false)}
          searchRef={searchRef}
        />
      </main>
      <footer class="app-footer">
        <p class="muted">
          {health ? `Service ${health.status} · database ${health.database.kind}. ` : ""}
          API reference: <a href="/api/docs">/api/docs</a>. Press <kbd>?</kbd> for keyboard shortcuts.
        </p>
      </footer>
      <ToastRegion toasts={toasts.toasts} onDismiss={toasts.dismiss} />
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <TokenDialog open={tokenOpen} onDone={answerToken} />
    </ToastContext.Provider>
  );
}
