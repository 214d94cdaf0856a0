package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestTaskGroupWireFormat(t *testing.T) {
	in := `{"Name":"g","Count":3,"ShutdownDelay":5000000000,
		"RestartPolicy":{"Interval":60000000000,"Attempts":2,"Delay":1000000000,"Mode":"delay"},
		"ReschedulePolicy":{"Attempts":1,"Interval":3600000000000,"DelayFunction":"exponential","MaxDelay":60000000000},
		"Migrate":{"MaxParallel":1,"HealthCheck":"checks","MinHealthyTime":10000000000,"HealthyDeadline":300000000000},
		"EphemeralDisk":{"SizeMB":300,"Sticky":true},
		"Volumes":{"data":{"Name":"data","Type":"host","Source":"data","ReadOnly":true}},
		"Tasks":[{"Name":"t","Driver":"wasm","Config":{"module":"a.wasm","args":["x"]},"KillTimeout":5000000000,
			"Lifecycle":{"Hook":"prestart","Sidecar":false},"LogConfig":{"MaxFiles":10,"MaxFileSizeMB":10},
			"Templates":[{"EmbeddedTmpl":"x","DestPath":"local/x","Splay":5000000000}],
			"Artifacts":[{"GetterSource":"https://example.com/a.tgz","RelativeDest":"local/"}]}]}`
	var g TaskGroup
	if err := json.Unmarshal([]byte(in), &g); err != nil {
		t.Fatal(err)
	}
	task := g.Tasks[0]
	switch {
	case g.ShutdownDelay != 5*time.Second, g.RestartPolicy.Interval != time.Minute,
		g.ReschedulePolicy.MaxDelay != time.Minute, g.Migrate.HealthyDeadline != 5*time.Minute,
		g.EphemeralDisk.SizeMB != 300, !g.Volumes["data"].ReadOnly,
		task.KillTimeout != 5*time.Second, task.Config["module"] != "a.wasm",
		task.Lifecycle.Hook != "prestart", task.Templates[0].Splay != 5*time.Second,
		task.Artifacts[0].RelativeDest != "local/":
		t.Fatalf("decoded group = %+v, task = %+v", g, task)
	}

	out, err := json.Marshal(&g)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"ShutdownDelay":5000000000`) || !strings.Contains(string(out), `"KillTimeout":5000000000`) {
		t.Fatalf("durations not nanoseconds: %s", out)
	}
}
