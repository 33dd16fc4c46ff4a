/**
 * Users, login, logout and token refresh (http.md §3.4, §5 routes 9–18).
 * @module
 */

import { ErrorCode, IggyError } from "../../../client/protocol/mod.ts";
import * as users from "../../commands/users.ts";
import type { HttpApp, HttpContext, HttpDeps } from "../env.ts";
import { commandContext, empty, notFound, recordArg } from "../env.ts";
import { jsonResponse, parseIdentifier, read, readBody } from "../json.ts";
import {
  changePasswordFromJson,
  createUserFromJson,
  identityToJson,
  loginUserFromJson,
  loginWithPersonalAccessTokenFromJson,
  updatePermissionsFromJson,
  updateUserFromJson,
  userDetailsToJson,
  userToJson,
} from "../../../client/protocol/http_json/mod.ts";

/** `IdentityInfo` (§6.9) for a freshly issued token of the user now at `userId`. */
export async function identity(
  deps: HttpDeps,
  userId: number,
): Promise<Response> {
  const user = deps.system.users.get(userId);
  if (!user) throw new IggyError(ErrorCode.Unauthenticated);
  const { token, expiry } = await deps.tokens.issue(user);
  return jsonResponse(identityToJson({ userId, token, expiry }));
}

function userParam(c: HttpContext): string | number {
  const id = parseIdentifier(c.req.param("user_id")!);
  recordArg(c, "user_id", String(id));
  return id;
}

/** Registers the user routes. */
export function userRoutes(app: HttpApp, deps: HttpDeps): void {
  app.post("/users/login", async (c) => {
    const body = await readBody(c);
    const { username, password } = loginUserFromJson(body, read);
    let userId: number;
    try {
      ({ userId } = await users.loginUser(commandContext(c, deps), {
        username,
        password,
      }));
    } catch (err) {
      // HTTP login does not validate lengths: a bad length is just bad credentials.
      if (
        err instanceof IggyError &&
        (err.code === ErrorCode.InvalidUsername ||
          err.code === ErrorCode.InvalidPassword)
      ) {
        throw new IggyError(ErrorCode.InvalidCredentials);
      }
      throw err;
    }
    return identity(deps, userId);
  });

  app.delete("/users/logout", async (c) => {
    users.logoutUser(commandContext(c, deps));
    await deps.tokens.revoke(c.get("jti"), c.get("exp"));
    return empty(204);
  });

  app.post("/users/refresh-token", async (c) => {
    const body = await readBody(c);
    const { token } = loginWithPersonalAccessTokenFromJson(body, read);
    if (token === "") throw new IggyError(ErrorCode.InvalidAccessToken);
    const claims = await deps.tokens.verify(token);
    if (!claims || !deps.tokens.holder(claims, deps.system.users)) {
      throw new IggyError(ErrorCode.Unauthenticated);
    }
    if (deps.tokens.isRevoked(claims.jti)) {
      throw new IggyError(ErrorCode.InvalidAccessToken);
    }
    await deps.tokens.revoke(claims.jti, claims.exp);
    return identity(deps, claims.userId);
  });

  app.get("/users", (c) => {
    return jsonResponse(
      users.getUsers(commandContext(c, deps)).map(userToJson),
    );
  });

  app.post("/users", async (c) => {
    const body = await readBody(c);
    const command = createUserFromJson(body, read);
    recordArg(c, "username", command.username);
    const user = await users.createUser(commandContext(c, deps), command);
    return jsonResponse(userDetailsToJson(user));
  });

  app.get("/users/:user_id", (c) => {
    const userId = userParam(c);
    if (!deps.system.findUser(userId)) return notFound();
    const user = users.getUser(commandContext(c, deps), { userId });
    return user ? jsonResponse(userDetailsToJson(user)) : notFound();
  });

  app.put("/users/:user_id", async (c) => {
    const userId = userParam(c);
    const body = await readBody(c);
    await users.updateUser(commandContext(c, deps), {
      userId,
      ...updateUserFromJson(body, read),
    });
    return empty(204);
  });

  app.delete("/users/:user_id", async (c) => {
    const userId = userParam(c);
    await users.deleteUser(commandContext(c, deps), { userId });
    return empty(204);
  });

  app.put("/users/:user_id/permissions", async (c) => {
    const userId = userParam(c);
    const body = await readBody(c);
    await users.updatePermissions(commandContext(c, deps), {
      userId,
      ...updatePermissionsFromJson(body, read),
    });
    return empty(204);
  });

  app.put("/users/:user_id/password", async (c) => {
    const userId = userParam(c);
    const body = await readBody(c);
    await users.changePassword(commandContext(c, deps), {
      userId,
      ...changePasswordFromJson(body, read),
    });
    return empty(204);
  });
}
