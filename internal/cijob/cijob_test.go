package cijob

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestName(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"outside CI", nil, ""},
		{"GitHub Actions", map[string]string{"GITHUB_RUN_ID": "9876", "GITHUB_JOB": "e2e", "GITHUB_RUN_ATTEMPT": "1"}, "github:9876/e2e"},
		{"GitHub Actions, re-run", map[string]string{"GITHUB_RUN_ID": "9876", "GITHUB_JOB": "e2e", "GITHUB_RUN_ATTEMPT": "2"}, "github:9876.2/e2e"},
		{"GitLab", map[string]string{"CI_JOB_ID": "555", "CI": "true"}, "gitlab:555"},
		{"Buildkite", map[string]string{"BUILDKITE_JOB_ID": "0190-ab"}, "buildkite:0190-ab"},
		{"CircleCI", map[string]string{"CIRCLE_WORKFLOW_JOB_ID": "c-1"}, "circleci:c-1"},
		{"Jenkins", map[string]string{"BUILD_TAG": "jenkins-app-42"}, "jenkins:jenkins-app-42"},
		{"Travis", map[string]string{"TRAVIS_JOB_ID": "77"}, "travis:77"},
		{"Azure Pipelines", map[string]string{"SYSTEM_JOBID": "a-b"}, "azure:a-b"},
		{"VNUM_JOB wins", map[string]string{"VNUM_JOB": "nightly", "CI_JOB_ID": "555"}, "nightly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Name(func(k string) string { return tt.env[k] }))
		})
	}
}
