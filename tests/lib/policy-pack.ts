/**
 * The policy pack's folder (policies/) and a reader of its files, for the tests/policies-pack*.test.ts
 * files.
 */
import * as fs from "fs";
import * as path from "path";

/** The policy pack's own folder. */
export const POLICIES = path.join(__dirname, "..", "..", "policies");
export const read = (f: string) => fs.readFileSync(path.join(POLICIES, f), "utf8");
