//go:build tools

// Package tools pins the kustomize command that renders Kustomize application sources.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
