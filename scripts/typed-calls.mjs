// Counts the tests' `call(method, path)` sites whose `res.json` is typed by the published document
// (test/api-types.ts) and lists those left `any` (`/health`, unknown routes, paths built from a runtime string).
// The docs quote no figure: run `node scripts/typed-calls.mjs` for today's; `--list` prints every untyped site.
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const configPath = path.join(root, "tsconfig.json");
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
if (!config) throw new Error(`cannot read ${configPath}`);
const program = ts.createProgram(config.fileNames, config.options);
const checker = program.getTypeChecker();
// The compiler names files with forward slashes on every platform.
const testDir = `${root.split(path.sep).join("/")}/test/`;
const helpers = `${testDir}helpers.ts`;

let typed = 0;
const untyped = [];
for (const file of program.getSourceFiles()) {
  if (!file.fileName.startsWith(testDir) || file.isDeclarationFile) continue;
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "call") {
      const symbol = checker.getSymbolAtLocation(node.expression);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declared = target?.declarations?.[0]?.getSourceFile().fileName;
      if (declared === helpers) {
        const result = checker.getAwaitedType(checker.getTypeAtLocation(node));
        const jsonType = result && checker.getTypeOfPropertyOfType(result, "json");
        if (jsonType && jsonType.flags & ts.TypeFlags.Any) {
          const { line } = file.getLineAndCharacterOfPosition(node.getStart());
          const args = node.arguments.slice(0, 2).map((a) => a.getText());
          untyped.push(`test/${file.fileName.slice(testDir.length)}:${line + 1}  ${args.join(", ")}`);
        } else typed++;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const total = typed + untyped.length;
console.log(`${typed} of ${total} call() sites in test/ match a documented path; ${untyped.length} stay \`any\`.`);
if (process.argv.includes("--list")) for (const site of untyped) console.log(`  ${site}`);
