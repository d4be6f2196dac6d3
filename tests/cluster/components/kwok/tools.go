//go:build tools

// Package tools pins the kwok command that makes scheduled pods Running without kubelets.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
