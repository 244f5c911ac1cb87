// The typed API client: a renamed field in functions/ breaks this build, not the page.
import { hc } from "hono/client";
import type { AppType } from "../functions/app";

export const api = hc<AppType>("/");
