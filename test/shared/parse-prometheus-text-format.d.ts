// Types for parse-prometheus-text-format (it ships none): prom2json's shape, which the tests read.
declare module "parse-prometheus-text-format" {
  export type ParsedFamily = {
    name: string;
    help: string;
    type: "GAUGE" | "COUNTER" | "SUMMARY" | "HISTOGRAM" | "UNTYPED";
    metrics: { value: string; labels?: Record<string, string> }[];
  };
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
