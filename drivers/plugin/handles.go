package plugin

import (
	"sync"
)

// TaskStore is the bookkeeping every driver needs: its tasks by ID. T is
// the driver's own per-task type. It is safe for concurrent use.
type TaskStore[T any] struct {
	mu    sync.RWMutex // guards tasks
	tasks map[string]T
}

// NewTaskStore returns an empty store.
func NewTaskStore[T any]() *TaskStore[T] {
	return &TaskStore[T]{tasks: map[string]T{}}
}

// Add stores t under id, or returns ErrTaskExists.
func (s *TaskStore[T]) Add(id string, t T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tasks[id]; ok {
		return ErrTaskExists
	}
	s.tasks[id] = t
	return nil
}

// Get returns the task under id, or ErrTaskNotFound.
func (s *TaskStore[T]) Get(id string) (T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tasks[id]
	if !ok {
		var zero T
		return zero, ErrTaskNotFound
	}
	return t, nil
}

// Delete forgets the task under id.
func (s *TaskStore[T]) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks, id)
}

// All returns the tasks in no particular order.
func (s *TaskStore[T]) All() []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]T, 0, len(s.tasks))
	for _, t := range s.tasks {
		out = append(out, t)
	}
	return out
}
