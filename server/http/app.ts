/**
 * The HTTP REST API of Iggy 0.8.0 as a Hono app (http.md). Middleware order, outer → inner:
 * diagnostics, metrics, CORS, JWT authentication, body limit, routes (§2). Routes translate JSON to
 * the typed commands and call the same handlers as the binary transports.
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { MiddlewareHandler } from "hono";
import { IggyError } from "../../client/protocol/mod.ts";
import type { ServerConfig } from "../config.ts";
import type { System } from "../domain/system.ts";
import { metricsOf } from "../metrics.ts";
import { endSpan, startSpan } from "../tracing.ts";
import { CountedLog } from "../net/counted_log.ts";
import { errorBody, statusOf } from "./errors.ts";
import type { HttpApp, HttpDeps, HttpEnv } from "./env.ts";
import { HttpReject, jsonResponse } from "./json.ts";
import { TokenAuthority } from "./jwt.ts";
import { clusterReads } from "./cluster_reads.ts";
import { consumerGroupRoutes } from "./routes/consumer_groups.ts";
import { messageRoutes } from "./routes/messages.ts";
import { streamRoutes } from "./routes/streams.ts";
import { systemRoutes } from "./routes/system.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { topicRoutes } from "./routes/topics.ts";
import { userRoutes } from "./routes/users.ts";

/** Paths that need no token (http.md §3.1); exact matches only. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  "/",
  "/metrics",
  "/ping",
  "/users/login",
  "/users/refresh-token",
  "/personal-access-tokens/login",
  "/ui",
]);

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID: 48-bit milliseconds and 80 random bits in Crockford base32. */
function ulid(): string {
  let time = Date.now();
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32] + out;
    time = Math.floor(time / 32);
  }
  for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
    out += CROCKFORD[byte % 32];
  }
  return out;
}

function diagnostics(system: System): MiddlewareHandler<HttpEnv> {
  // A client's mistake (4xx) is one INFO line, counted when repeated (the count of a burst is
  // written with the next rejected request after its window); 5xx are the server's faults.
  const log = system.logger.module("http");
  const clientErrors = new CountedLog(log);
  return async (c, next) => {
    const requestId = ulid();
    const started = performance.now();
    c.set("errorArgs", {});
    await next();
    const status = c.res.status;
    const fields = {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (status >= 500) log.error("HTTP request failed", fields);
    else if (status >= 400 && status !== 404) {
      clientErrors.info("HTTP request rejected", fields);
    } else log.debug("HTTP request", fields);
  };
}

function corsLayer(
  config: ServerConfig["http"]["cors"],
): MiddlewareHandler<HttpEnv> {
  const origins = config.allowedOrigins;
  const inner = cors({
    origin: origins[0] === "*"
      ? "*"
      : (origin) => origins.includes(origin) ? origin : null,
    allowMethods: config.allowedMethods.map((m) => m.toUpperCase()),
    allowHeaders: config.allowedHeaders.filter((h) => h.trim() !== ""),
    exposeHeaders: config.exposedHeaders.filter((h) => h.trim() !== ""),
    credentials: config.allowCredentials,
  });
  return async (c, next) => {
    const answer = await inner(c, next);
    // Hono merges the previous `c.res` headers into a returned response, so set both.
    for (const res of answer instanceof Response ? [answer, c.res] : [c.res]) {
      res.headers.set(
        "vary",
        "origin, access-control-request-method, access-control-request-headers",
      );
      if (
        config.allowPrivateNetwork &&
        c.req.header("access-control-request-private-network") === "true"
      ) {
        res.headers.set("access-control-allow-private-network", "true");
      }
    }
    if (answer instanceof Response && c.req.method === "OPTIONS") {
      // Preflights are answered with 200 (tower-http), not Hono's 204.
      return new Response(null, { status: 200, headers: answer.headers });
    }
    return answer;
  };
}

function authentication(deps: HttpDeps): MiddlewareHandler<HttpEnv> {
  const unauthorized = () => new Response(null, { status: 401 });
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const header = c.req.header("authorization");
    if (!header || !header.startsWith("Bearer ")) return unauthorized();
    const claims = await deps.tokens.verify(header.slice("Bearer ".length));
    if (!claims || deps.tokens.isRevoked(claims.jti)) return unauthorized();
    // Unlike 0.8.0, the user is checked: gone, re-created at its id, or with a new password → 401.
    const user = deps.tokens.holder(claims, deps.system.users);
    if (!user) return unauthorized();
    c.set("userId", claims.userId);
    c.set("userIncarnation", user.incarnation);
    c.set("jti", claims.jti);
    c.set("exp", claims.exp);
    await next();
  };
}

/**
 * The body limit of every route: `[http] max_request_size`, and on the paths open without a token
 * (login) also `[request_limits] max_unauthenticated_size`, so a client without a token cannot
 * make the server read more than that. Larger bodies get 413 unread.
 */
function bodyLimits(config: ServerConfig): MiddlewareHandler<HttpEnv> {
  const onError = () => new Response("Payload Too Large", { status: 413 });
  const authenticated = bodyLimit({
    maxSize: config.http.maxRequestSize,
    onError,
  });
  const unauthenticated = bodyLimit({
    maxSize: Math.min(
      config.http.maxRequestSize,
      config.requestLimits.maxUnauthenticatedSize,
    ),
    onError,
  });
  return (c, next) =>
    PUBLIC_PATHS.has(c.req.path)
      ? unauthenticated(c, next)
      : authenticated(c, next);
}

/** Route patterns → regexes, to tell a wrong method (405) from an unknown path (404). */
function pathMatcher(app: HttpApp): (path: string) => boolean {
  const patterns = [
    ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path)),
  ]
    .map((p) => new RegExp(`^${p.replace(/:[a-z_]+/g, "[^/]+")}/?$`));
  return (path) => patterns.some((re) => re.test(path));
}

/** Options of {@linkcode createHttpApp}. */
export interface HttpAppOptions {
  /** Revoked-token store; defaults to `<system dataDir>/state/tokens`. */
  revokedTokensPath?: string;
}

/** The API app plus what its owner may need (the token authority for tests and tools). */
export interface HttpApi {
  app: HttpApp;
  tokens: TokenAuthority;
}

/** Builds the API over `system` with the `[http]` settings of `config`. */
export function createHttpApp(
  system: System,
  config: ServerConfig,
  options: HttpAppOptions = {},
): HttpApi {
  const http = config.http;
  const tokens = new TokenAuthority(
    http.jwt,
    options.revokedTokensPath ?? `${system.options.dataDir}/state/tokens`,
  );
  const deps: HttpDeps = { system, config, tokens, metrics: metricsOf(system) };
  const app: HttpApp = new Hono<HttpEnv>();

  app.use("*", diagnostics(system));
  if (http.metrics.enabled) {
    app.use("*", async (c, next) => {
      deps.metrics.httpRequests++;
      const started = performance.now();
      const span = startSpan(deps.metrics.tracer, c.req.method, {
        "http.request.method": c.req.method,
      });
      await next();
      // The matched route pattern (not the path) keeps the label set small.
      const route = c.res.status === 404 ? "unmatched" : routePath(c, -1);
      deps.metrics.observeHttp(
        c.req.method,
        route,
        performance.now() - started,
      );
      if (span !== undefined) {
        span.updateName(`${c.req.method} ${route}`);
        span.setAttribute("http.route", route);
        span.setAttribute("http.response.status_code", c.res.status);
        endSpan(
          span,
          c.res.status >= 500 ? `HTTP ${c.res.status}` : undefined,
        );
      }
    });
  }
  if (http.cors.enabled) app.use("*", corsLayer(http.cors));
  app.use("*", authentication(deps));
  app.use("*", bodyLimits(config));
  app.use("*", clusterReads(deps, (request) => app.fetch(request)));

  systemRoutes(app, deps);
  userRoutes(app, deps);
  tokenRoutes(app, deps);
  streamRoutes(app, deps);
  topicRoutes(app, deps);
  consumerGroupRoutes(app, deps);
  messageRoutes(app, deps);

  const known = pathMatcher(app);
  app.notFound((c) =>
    new Response(null, { status: known(c.req.path) ? 405 : 404 })
  );
  app.onError((err, c) => {
    if (err instanceof IggyError) {
      const args: Record<string, string> = { ...c.get("errorArgs") };
      return jsonResponse(errorBody(err, args), statusOf(err.code));
    }
    if (err instanceof HttpReject) {
      return new Response(err.message, {
        status: err.status,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (err instanceof HTTPException) return err.getResponse();
    system.logger.module("http").error("HTTP handler failed", {
      path: c.req.path,
      error: String(err),
    });
    return new Response("Internal Server Error", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });
  return { app, tokens };
}
