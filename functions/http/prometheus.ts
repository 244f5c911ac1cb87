// Prometheus's text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats):
// HELP and TYPE lines, then one `name{label="value"} number` line per sample.

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Sample = { labels?: Record<string, string>; value: number };

/** A metric family; one without samples (nothing known yet) is written as its HELP and TYPE only. */
export type MetricFamily = { name: string; help: string; type: "gauge" | "counter"; samples: Sample[] };

const escapeHelp = (text: string) => text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
const escapeLabel = (value: string) => escapeHelp(value).replaceAll('"', '\\"');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatSample(name: string, { labels, value }: Sample): string {
  const pairs = Object.entries(labels ?? {}).map(([key, v]) => `${key}="${escapeLabel(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`;
}

export function prometheusText(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(formatSample(family.name, sample));
  }
  return `${lines.join("\n")}\n`;
}
