# The peer's four headline rules, in Rego (v1), for benchmarks/peer.py.
# They mirror SP-EMB-001, SP-INF-001, SP-GOV-001 and SP-REF-001; only the
# benchmark uses them.
package stack

list_references := ["depends_on", "targets", "reads_from", "writes_to", "datasets"]

scalar_references := ["model", "base_model", "trained_by", "orchestrated_by", "rollback_to", "runs_on"]

names := {c.name | some c in input.components}

vector_stores := [c | some c in input.components; c.kind == "vector-store"]

monitored := {t |
	some c in input.components
	c.kind == "monitor"
	some t in object.get(c, "targets", [])
}

# One vector store per organisation.
vector_store_sprawl contains c.name if {
	count(vector_stores) > 1
	some c in vector_stores
}

# Every inference service has a monitor.
unmonitored contains c.name if {
	some c in input.components
	c.kind in {"inference-service", "batch-inference-job"}
	not c.name in monitored
}

# Every component has an owner.
unowned contains c.name if {
	some c in input.components
	object.get(c, "owner", "") == ""
}

# Every reference names a component of the stack.
dangling contains sprintf("%s.%s: %s", [c.name, field, ref]) if {
	some c in input.components
	some field in list_references
	some ref in object.get(c, field, [])
	not ref in names
}

dangling contains sprintf("%s.%s: %s", [c.name, field, ref]) if {
	some c in input.components
	some field in scalar_references
	ref := c[field]
	not ref in names
}

findings := {
	"SP-EMB-001": vector_store_sprawl,
	"SP-INF-001": unmonitored,
	"SP-GOV-001": unowned,
	"SP-REF-001": dangling,
}
