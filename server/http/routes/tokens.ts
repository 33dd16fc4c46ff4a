/**
 * Personal access tokens (http.md §3.6, §5 routes 19–22).
 * @module
 */

import * as tokens from "../../commands/tokens.ts";
import type { HttpApp, HttpDeps } from "../env.ts";
import { commandContext, empty, recordArg } from "../env.ts";
import { jsonResponse, read, readBody } from "../json.ts";
import {
  createPersonalAccessTokenFromJson,
  loginWithPersonalAccessTokenFromJson,
  rawTokenToJson,
  tokenInfoToJson,
} from "../../../client/protocol/http_json/mod.ts";
import { identity } from "./users.ts";

/** Registers the personal-access-token routes. */
export function tokenRoutes(app: HttpApp, deps: HttpDeps): void {
  app.get("/personal-access-tokens", (c) => {
    const list = tokens.getPersonalAccessTokens(commandContext(c, deps));
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return jsonResponse(list.map(tokenInfoToJson));
  });

  app.post("/personal-access-tokens", async (c) => {
    const body = await readBody(c);
    const command = createPersonalAccessTokenFromJson(body, read);
    recordArg(c, "name", command.name);
    const raw = await tokens.createPersonalAccessToken(
      commandContext(c, deps),
      command,
    );
    return jsonResponse(rawTokenToJson(raw));
  });

  app.delete("/personal-access-tokens/:name", async (c) => {
    const name = c.req.param("name");
    recordArg(c, "key", name);
    await tokens.deletePersonalAccessToken(commandContext(c, deps), { name });
    return empty(204);
  });

  app.post("/personal-access-tokens/login", async (c) => {
    const body = await readBody(c);
    const { userId } = await tokens.loginWithPersonalAccessToken(
      commandContext(c, deps),
      loginWithPersonalAccessTokenFromJson(body, read),
    );
    return identity(deps, userId);
  });
}
