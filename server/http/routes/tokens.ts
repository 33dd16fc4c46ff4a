/**
 * Personal access tokens (http.md §3.6, §5 routes 19–22).
 * @module
 */

import * as tokens from "../../commands/tokens.ts";
import type { HttpApp, HttpDeps } from "../env.ts";
import { commandContext, empty, recordArg } from "../env.ts";
import { jsonResponse, readBody, str, u64 } from "../json.ts";
import { tokenJson } from "../render.ts";
import { identity } from "./users.ts";

/** Registers the personal-access-token routes. */
export function tokenRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get("/personal-access-tokens", (c) => {
    const list = tokens.getPersonalAccessTokens(commandContext(c, deps));
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return jsonResponse(list.map(tokenJson));
  });

  app.post("/personal-access-tokens", async (c) => {
    const body = await readBody(c);
    const name = str(body, "name");
    recordArg(c, "name", name);
    const expiry = u64(body, "expiry");
    const raw = await tokens.createPersonalAccessToken(
      commandContext(c, deps),
      { name, expiry },
    );
    return jsonResponse({ token: raw.token });
  });

  app.delete("/personal-access-tokens/:name", async (c) => {
    const name = c.req.param("name");
    recordArg(c, "key", name);
    await tokens.deletePersonalAccessToken(commandContext(c, deps), { name });
    return empty(204);
  });

  app.post("/personal-access-tokens/login", async (c) => {
    const body = await readBody(c);
    const token = str(body, "token");
    const { userId } = await tokens.loginWithPersonalAccessToken(
      commandContext(c, deps),
      { token },
    );
    return identity(deps, userId);
  });
}
