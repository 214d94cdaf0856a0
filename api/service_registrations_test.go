package api

import "testing"

func TestServicesListGetDelete(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/services", 7, `[{"Namespace":"default","Services":[{"ServiceName":"web","Tags":["a","b"]}]}]`)
	f.handleJSON("GET /v1/service/web", 8, `[{"ID":"_nomad-task-a1-web-web-http","ServiceName":"web","AllocID":"a1","Address":"10.0.0.5","Port":25000,"Health":"passing","Tags":["a"]}]`)
	f.handleJSON("DELETE /v1/service/web/x", 9, `{}`)
	c := f.client(t)

	list, qm, err := c.Services().List(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Services[0].ServiceName != "web" || qm.LastIndex != 7 {
		t.Fatalf("list = %+v, index %d", list, qm.LastIndex)
	}

	got, _, err := c.Services().Get("web", &ServiceGetOptions{Tag: "a", Choose: "2|k", All: true}, &QueryOptions{Params: map[string]string{"x": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Port != 25000 || got[0].Health != "passing" {
		t.Fatalf("get = %+v", got)
	}
	q := f.last.URL.Query()
	if q.Get("tag") != "a" || q.Get("choose") != "2|k" || q.Get("all") != "true" || q.Get("x") != "1" {
		t.Fatalf("query sent: %s", f.last.URL.RawQuery)
	}

	if _, _, err := c.Services().Get("web", &ServiceGetOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if raw := f.last.URL.RawQuery; raw != "" {
		t.Fatalf("empty options sent %q", raw)
	}

	if _, err := c.Services().Delete("web", "x", nil); err != nil {
		t.Fatal(err)
	}
	if f.last.Method != "DELETE" || f.last.URL.Path != "/v1/service/web/x" {
		t.Fatalf("delete sent %s %s", f.last.Method, f.last.URL.Path)
	}
}
