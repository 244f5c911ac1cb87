// The D1 binding behind a Proxy that counts what reaches it: calls (a batch is one) and statements (each
// statement of a batch counts). Shared by the slice-budget test and the benchmark's calls-per-page figure.

export type D1Count = { calls: number; statements: number };

export function countingD1(binding: D1Database): { binding: D1Database; count: D1Count } {
  const count: D1Count = { calls: 0, statements: 0 };
  const inBatch = new WeakSet<object>();
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop === "bind") return (...args: unknown[]) => wrapStatement(target.bind(...args));
        if (["all", "run", "first", "raw"].includes(String(prop)))
          return (...args: unknown[]) => {
            if (!inBatch.has(target)) {
              count.calls++;
              count.statements++;
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        if (prop === "__target") return target;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const proxy = new Proxy(binding, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query));
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => {
          count.calls++;
          count.statements += stmts.length;
          const raw = stmts.map((s) => (s as unknown as { __target: D1PreparedStatement }).__target ?? s);
          for (const s of raw) inBatch.add(s);
          return target.batch(raw);
        };
      if (prop === "exec")
        return (query: string) => {
          count.calls++;
          count.statements++;
          return target.exec(query);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { binding: proxy, count };
}
