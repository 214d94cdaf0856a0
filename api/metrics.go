package api

// MetricsSummary is the agent's in-memory metrics (GET /v1/metrics).
type MetricsSummary struct {
	Timestamp string
	Gauges    []GaugeValue
	Points    []PointValue
	Counters  []SampledValue
	Samples   []SampledValue
}

// GaugeValue is the last value of a gauge.
type GaugeValue struct {
	Name   string
	Value  float32
	Labels map[string]string
}

// PointValue is a series of raw points.
type PointValue struct {
	Name   string
	Points []float32
}

// SampledValue aggregates a counter or sample over the current interval.
type SampledValue struct {
	Name   string
	Count  int
	Rate   float64
	Sum    float64
	Min    float64
	Max    float64
	Mean   float64
	Stddev float64
	Labels map[string]string
}

// Metrics reads the agent's metrics as JSON.
func (c *Client) Metrics(q *QueryOptions) (*MetricsSummary, error) {
	var resp MetricsSummary
	if _, err := c.query("/v1/metrics", &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}

// MetricsPrometheus reads the agent's metrics in Prometheus text format.
func (c *Client) MetricsPrometheus(q *QueryOptions) ([]byte, error) {
	b, _, err := c.rawQuery("/v1/metrics?format=prometheus", q)
	return b, err
}
