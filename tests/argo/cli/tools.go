//go:build tools

// Package tools pins the Argo Rollouts kubectl plugin the integration tests drive.
package tools

import (
	_ "github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts"
)
