"""Discovery: the stack as it really runs, read from infrastructure code.

`scan.discover(paths)` reads Terraform, Kubernetes, docker-compose and
Backstage files under `paths` with the mapping (`mapping.yaml`, extended by an
org's entries), and CycloneDX BOMs, which say what each component is; it
links what it found across files, and returns components
(certain and likely) and what it is less sure of (possible), each a
`Declared` with its `address` and `confidence`. `drift.py` compares them with
a manifest. (This package imports nothing itself: the readers in
stackpolicy.inputs import its modules.)
"""
