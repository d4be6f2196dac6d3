//go:build tools

// Package tools pins the helm command whose `helm template` renders Helm application sources.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
