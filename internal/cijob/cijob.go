// Package cijob names the CI job a process runs in, from the variables CI services set: a lease
// records it as its holder's job, and a release or rotate compares it with the holder's to tell
// the job that holds a leased number from another one.
package cijob

import "strings"

// Name is the CI job the environment names, "" outside CI. VNUM_JOB, when set, wins: a name for
// a job no service names.
func Name(env func(string) string) string {
	if j := env("VNUM_JOB"); j != "" {
		return j
	}
	if id := env("GITHUB_RUN_ID"); id != "" {
		job := "github:" + id
		if a := env("GITHUB_RUN_ATTEMPT"); a != "" && a != "1" {
			job += "." + a
		}
		if j := env("GITHUB_JOB"); j != "" {
			job += "/" + j
		}
		return job
	}
	for _, v := range []struct{ name, service string }{
		{"CI_JOB_ID", "gitlab"},
		{"BUILDKITE_JOB_ID", "buildkite"},
		{"CIRCLE_WORKFLOW_JOB_ID", "circleci"},
		{"BUILD_TAG", "jenkins"},
		{"TRAVIS_JOB_ID", "travis"},
		{"SYSTEM_JOBID", "azure"},
	} {
		if id := strings.TrimSpace(env(v.name)); id != "" {
			return v.service + ":" + id
		}
	}
	return ""
}
