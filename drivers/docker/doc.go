// Package docker is the Docker task driver: it runs a task as a container
// through the local Docker engine, with the Engine API client
// (github.com/moby/moby/client), so that the containers are the ones
// `docker ps`, `docker logs` and `docker exec` show. The engine owns the
// containers, so they outlive the plugin and the client; RecoverTask finds
// a task's container again by the ID in its handle.
//
// The files follow a task's life: config.go reads the task and plugin
// config blocks, container.go turns them into the engine's create request
// (pure, tested alone), image.go pulls or loads images and counts who uses
// them for image GC, start.go creates and starts the container, logs.go
// copies its output into the task's log files, task.go watches it until it
// exits, stop.go, inspect.go and exec.go are the other task calls, and
// reconcile.go removes containers of ours that no task holds any more.
// spec.go exports the schemas of the task and plugin config blocks, which
// jobspec checks job files against.
//
// It must not import the scheduler or the server: drivers see only the
// plugin SDK.
package docker
