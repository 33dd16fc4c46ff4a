import assert from "node:assert/strict";
import { buildProgram } from "../../cli/main.ts";
import { App } from "../../cli/_app.ts";
import { IggyHome } from "../../cli/_home.ts";
import { completionScript } from "../../cli/_completion.ts";

Deno.test("completionScript() covers commands, aliases and options for bash, zsh and fish", () => {
  const program = buildProgram(new App(new IggyHome("/nonexistent")));
  const bash = completionScript(program, "bash");
  assert.match(
    bash,
    /"\/s"\|"\/stream"\) path="stream"|"\/stream"\|"\/s"\) path="stream"/,
  );
  assert.match(bash, /"message poll"\) words="[^"]*--offset/);
  assert.match(bash, /complete -F _iggy_complete iggy/);
  assert.match(completionScript(program, "zsh"), /bashcompinit/);
  assert.match(completionScript(program, "fish"), /-a 'consumer-group'/);
  assert.throws(() => completionScript(program, "tcsh"), RangeError);
});
