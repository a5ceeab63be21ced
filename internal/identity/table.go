package identity

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// FastPath is the [Instrument.Path] of the fast instruments.
const FastPath = "fast instruments"

// Instrument is what makes an instrument's numbers: two declarations that
// agree on all of it export the same family the same way.
type Instrument struct {
	// Path is where it is recorded: [FastPath], or the meter's scope.
	Path        string
	Name        string
	Description string
	Unit        string
	Kind        Kind
	// Variant tells apart instruments of one kind that the SDK keeps
	// apart (integer or float, synchronous or observable).
	Variant string
	// Keys are the attribute keys, nil when the path does not declare them
	// (the meter's attributes come with each recording).
	Keys    []string
	IntKeys []string
	// Buckets are a histogram's bounds, defaults applied.
	Buckets []float64
}

// Table holds the owner of every exported name of one backend. It is safe
// for concurrent use; it is consulted when an instrument is created, never
// when one records.
type Table struct {
	namer Namer

	mu     sync.Mutex
	owners map[owner]*entry
	names  map[string]taken
}

// taken is the owner of one name of the exposition.
type taken struct {
	e           *entry
	openMetrics bool // the name is the owner's OpenMetrics family only
}

type owner struct{ path, name string }

type entry struct {
	inst     Instrument
	exported string
}

// NewTable returns an empty table judging names with namer.
func NewTable(namer Namer) *Table {
	return &Table{namer: namer, owners: map[owner]*entry{}, names: map[string]taken{}}
}

// Namer returns the table's namer.
func (t *Table) Namer() Namer { return t.namer }

// Reserve marks exported as taken by something outside the table (the
// exporter's target_info, the scrape handler's own counter). A name ending
// in "_total" is a counter's, as in the exporter's translation: its
// OpenMetrics family name, without "_total", is taken too.
func (t *Table) Reserve(exported, what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &entry{inst: Instrument{Path: what, Name: exported}, exported: exported}
	kind := Gauge
	if strings.HasSuffix(exported, "_total") {
		kind = Counter
	}
	for _, s := range samples(exported, kind) {
		t.names[s.name] = taken{e: e, openMetrics: s.openMetrics}
	}
}

// Claim records inst as the owner of its exported name. It returns nil for
// a first declaration and for one identical to the first (the caller then
// hands back the first instrument), and an error saying what differs or
// who owns the name otherwise: the caller refuses the instrument. Keys
// are checked with [Namer.CheckKeys] when the path declares them.
func (t *Table) Claim(inst Instrument) error {
	if inst.Keys != nil {
		if err := t.namer.CheckKeys(inst.Keys); err != nil {
			return err
		}
	}
	exported, err := t.namer.Exported(inst.Name, inst.Unit, inst.Kind)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// Instrument names are case-insensitive in OpenTelemetry: the SDK hands
	// "Orders" the instrument of "orders", exported under the first casing.
	key := owner{inst.Path, strings.ToLower(inst.Name)}
	if prev, ok := t.owners[key]; ok {
		if d := differences(prev.inst, inst); len(d) > 0 {
			return fmt.Errorf("already declared in the %s, first as the %s %q exported as %s, which keeps the name; "+
				"this declaration differs in %s; declare an instrument once per process, with one shape%s",
				inst.Path, prev.inst.Kind, prev.inst.Name, prev.exported, strings.Join(d, ", "), hint(inst))
		}
		return nil
	}
	mine := samples(exported, inst.Kind)
	for _, s := range mine {
		prev, ok := t.names[s.name]
		switch {
		case !ok:
		case s.openMetrics || prev.openMetrics:
			return fmt.Errorf("the OpenMetrics family %q is already taken by %s: a scrape that negotiates OpenMetrics "+
				"(as Prometheus does) would declare that family twice", s.name, prev.e.describe())
		default:
			return fmt.Errorf("the exported name %q is already taken by %s: both would be served as one family and one would be lost",
				s.name, prev.e.describe())
		}
	}
	e := &entry{inst: inst, exported: exported}
	t.owners[key] = e
	for _, s := range mine {
		t.names[s.name] = taken{e: e, openMetrics: s.openMetrics}
	}
	return nil
}

// hint points at the usual cause of a redeclaration of the HTTP server
// instruments, which the HTTP middleware declares: a second middleware
// built with other options.
func hint(inst Instrument) string {
	if inst.Path != FastPath || !strings.HasPrefix(inst.Name, "http.server.") {
		return ""
	}
	return " (the HTTP middleware declares http.server.*: a second middleware.HTTP or ginmetrics.Middleware " +
		"built with other WithDurationBuckets or WithExtraAttributes keys declares them again)"
}

func (e *entry) describe() string {
	if e.inst.Kind == 0 {
		return e.inst.Path
	}
	return fmt.Sprintf("the %s %q (%s, exported as %s)", e.inst.Kind, e.inst.Name, e.inst.Path, e.exported)
}

// differences lists what b changes from a, as "field: x (was y)".
func differences(a, b Instrument) []string {
	var d []string
	add := func(field string, now, was any) { d = append(d, fmt.Sprintf("%s: %v (was %v)", field, now, was)) }
	if a.Name != b.Name {
		add("name casing", fmt.Sprintf("%q", b.Name), fmt.Sprintf("%q", a.Name))
	}
	if a.Kind != b.Kind || a.Variant != b.Variant {
		add("kind", strings.TrimSpace(b.Variant+" "+b.Kind.String()), strings.TrimSpace(a.Variant+" "+a.Kind.String()))
	}
	if a.Unit != b.Unit {
		add("unit", fmt.Sprintf("%q", b.Unit), fmt.Sprintf("%q", a.Unit))
	}
	if !slices.Equal(a.Buckets, b.Buckets) {
		add("buckets", b.Buckets, a.Buckets)
	}
	if !slices.Equal(a.Keys, b.Keys) {
		add("keys", b.Keys, a.Keys)
	}
	if !slices.Equal(a.IntKeys, b.IntKeys) {
		add("integer keys", b.IntKeys, a.IntKeys)
	}
	if a.Description != b.Description {
		add("description", fmt.Sprintf("%q", b.Description), fmt.Sprintf("%q", a.Description))
	}
	return d
}
