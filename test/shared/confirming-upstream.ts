// The simulator paged by number, so absent tasks are confirmed one by one, behind a test's own confirmDeleted.
import type { Config } from "../../functions/config";
import { Simulator } from "../../functions/simulator/dataset";
import { type UpstreamContext, upstreamFromConfig } from "../../functions/upstreams";
import {
  type Confirmation,
  type PartialConfirmation,
  type UpstreamAdapter,
  UpstreamDeferred,
} from "../../functions/upstreams/adapter";

type Confirm = (
  ids: string[],
  inner: (ids: string[]) => Promise<Confirmation>,
  ctx: UpstreamContext,
) => Promise<Confirmation>;

/** A harness `upstream` over a page-numbered simulator of `total` tasks whose confirmations go through `confirm`. */
export function confirmingUpstream(total: number, confirm: Confirm) {
  const sim = new Simulator({ failure_rate: 0, total, pagination: "page" });
  const upstream =
    (config: Config) =>
    (ctx: UpstreamContext): UpstreamAdapter => {
      const inner = upstreamFromConfig(config, sim)(ctx);
      return {
        ...inner,
        confirmDeleted: (ids, signal) => confirm(ids, (some) => inner.confirmDeleted!(some, signal), ctx),
      };
    };
  return { sim, upstream };
}

/**
 * Upstream's quota is spent for a minute, after the answers in `partial` if any (their requests count the attempts;
 * without them, the refused request is the one attempt).
 */
export function quotaSpent(
  ctx: UpstreamContext,
  partial: PartialConfirmation | null = null,
): UpstreamDeferred {
  const until = new Date(ctx.clock().getTime() + 60_000).toISOString();
  const failure = {
    at: ctx.clock().toISOString(),
    kind: "rate_limited" as const,
    message: "quota spent",
    retryable: true,
  };
  return new UpstreamDeferred(failure, partial ? 0 : 1, [], until, partial);
}
