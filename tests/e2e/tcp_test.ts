import { IggyClient } from "../../mod.ts";
import { clientSuite } from "./_client_suite.ts";

clientSuite("tcp", (server) =>
  IggyClient.connect({
    transport: "tcp",
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  }));
