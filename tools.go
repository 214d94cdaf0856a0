//go:build tools

// This file pins dependencies that the packages below start using as they
// land, so that `go mod tidy` keeps them. It is never built.
package main

import (
	_ "github.com/containerd/go-runc"
	_ "github.com/containernetworking/cni/libcni"
	_ "github.com/google/go-containerregistry/pkg/authn"
	_ "github.com/google/go-containerregistry/pkg/name"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/empty"
	_ "github.com/google/go-containerregistry/pkg/v1/layout"
	_ "github.com/google/go-containerregistry/pkg/v1/mutate"
	_ "github.com/google/go-containerregistry/pkg/v1/random"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/google/go-containerregistry/pkg/v1/tarball"
	_ "github.com/google/uuid"
	_ "github.com/gorilla/websocket"
	_ "github.com/hashicorp/cli"
	_ "github.com/hashicorp/go-hclog"
	_ "github.com/hashicorp/go-memdb"
	_ "github.com/hashicorp/go-metrics"
	_ "github.com/hashicorp/go-metrics/prometheus"
	_ "github.com/hashicorp/go-msgpack/v2/codec"
	_ "github.com/hashicorp/go-multierror"
	_ "github.com/hashicorp/hcl/v2"
	_ "github.com/hashicorp/hcl/v2/gohcl"
	_ "github.com/hashicorp/net-rpc-msgpackrpc/v2"
	_ "github.com/hashicorp/raft"
	_ "github.com/hashicorp/raft-wal"
	_ "github.com/hashicorp/serf/serf"
	_ "github.com/hashicorp/yamux"
	_ "github.com/moby/moby/api/pkg/stdcopy"
	_ "github.com/moby/moby/client"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "go.etcd.io/bbolt"
)
