// A small inline SVG of recent runs: one bar each, oldest left, height = duration, colour = outcome.
import type { Run, RunStatus } from "../api";
import { formatDuration, RUN_STATUS_LABEL } from "../format";

const WIDTH = 300;
const HEIGHT = 80;
const MIN_BAR = 3;

function durationOf(run: Run, now: number): number {
  if (run.duration_ms !== null) return run.duration_ms;
  return Math.max(0, now - new Date(run.started_at).getTime());
}

export function RunChart({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return null;
  const now = Date.now();
  const ordered = [...runs].reverse();
  const longest = Math.max(1, ...ordered.map((r) => durationOf(r, now)));
  const slot = WIDTH / Math.max(ordered.length, 10);
  const tally = new Map<RunStatus, number>();
  for (const run of runs) tally.set(run.status, (tally.get(run.status) ?? 0) + 1);
  const summary = [...tally]
    .map(([status, n]) => `${n} ${RUN_STATUS_LABEL[status].toLowerCase()}`)
    .join(", ");

  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Last ${runs.length} runs: ${summary}. Longest took ${formatDuration(longest)}.`}
      >
        <line class="chart-axis" x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
        {ordered.map((run, i) => {
          const h = Math.max(MIN_BAR, (durationOf(run, now) / longest) * (HEIGHT - 4));
          return (
            <rect
              key={run.id}
              class={`bar run-${run.status}`}
              x={i * slot + slot * 0.15}
              y={HEIGHT - h}
              width={slot * 0.7}
              height={h}
            >
              <title>
                Run #{run.id}: {RUN_STATUS_LABEL[run.status]}, {formatDuration(run.duration_ms)}
              </title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        <span class="muted">Bar height: duration (longest {formatDuration(longest)}). </span>
        <span class="legend">
          {[...tally].map(([status, n]) => (
            <span key={status} class="legend-item">
              <span class={`swatch run-${status}`} aria-hidden="true" />
              {RUN_STATUS_LABEL[status]} {n}
            </span>
          ))}
        </span>
      </figcaption>
    </figure>
  );
}
