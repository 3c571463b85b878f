// should-retry asks the Spark operator's own retry rule (kubeflow/spark-operator v2.5.2,
// pkg/util/sparkapplication.go `ShouldRetry`) whether it would run a SparkApplication again.
//
//	should-retry -state FAILING -execution-attempts 1 < spec.json    -> prints "retry" or "stop"
//
// spec.json is a SparkApplication's `spec` (as the plan renders it); -state is the state the operator
// records when a run ends (FAILING after a failed run, SUCCEEDING after a successful one,
// SUBMISSION_FAILED when spark-submit itself failed), with the attempts counted so far. The data suite
// runs the real job and asks this after each run, so the number of runs is the operator's, not a guess.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kubeflow/spark-operator/v2/api/v1beta2"
	"github.com/kubeflow/spark-operator/v2/pkg/util"
)

func main() {
	state := flag.String("state", "FAILING", "FAILING, SUCCEEDING or SUBMISSION_FAILED")
	executions := flag.Int("execution-attempts", 0, "runs so far (status.executionAttempts)")
	submissions := flag.Int("submission-attempts", 0, "submissions so far (status.submissionAttempts)")
	flag.Parse()
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "should-retry: reading the spec:", err)
		os.Exit(2)
	}
	app := &v1beta2.SparkApplication{}
	if err := json.Unmarshal(raw, &app.Spec); err != nil {
		fmt.Fprintln(os.Stderr, "should-retry: not a SparkApplication spec:", err)
		os.Exit(2)
	}
	switch v1beta2.ApplicationStateType(*state) {
	case v1beta2.ApplicationStateFailing, v1beta2.ApplicationStateSucceeding, v1beta2.ApplicationStateFailedSubmission:
	default:
		fmt.Fprintln(os.Stderr, "should-retry: -state must be FAILING, SUCCEEDING or SUBMISSION_FAILED")
		os.Exit(2)
	}
	app.Status.AppState.State = v1beta2.ApplicationStateType(*state)
	app.Status.ExecutionAttempts = int32(*executions)
	app.Status.SubmissionAttempts = int32(*submissions)
	if util.ShouldRetry(app) {
		fmt.Println("retry")
	} else {
		fmt.Println("stop")
	}
}
