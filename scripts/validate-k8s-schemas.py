"""Kubernetes built-in JSON schemas for kubeconform, offline, from the kubernetes-validate wheel.

    python3 scripts/validate-k8s-schemas.py <kubernetes_validate-*.whl> <out-dir> v1.34.0

kubernetes-validate's schemas point into one shared `_definitions.json` through an absolute
`$ref` that kubeconform cannot resolve offline, so each kind's schema is written standalone: the
definitions it reaches (transitively) are inlined under its own `$defs`. The strict tree
`<version>-local-strict` (unknown fields rejected) is written, matching kubeconform's
`{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}` location template under -strict.
"""
import json
import os
import re
import sys
import zipfile

REF = "/api/_definitions.json#/$defs/"
REF_RE = re.compile(r'"\$ref": "' + re.escape(REF) + r'([^"]+)"')
# Inside _definitions.json the definitions refer to each other document-locally.
LOCAL_RE = re.compile(r'"\$ref": "#/\$defs/([^"]+)"')


def main(whl: str, out: str, version: str) -> int:
    n = 0
    with zipfile.ZipFile(whl) as z:
        # The gate always runs kubeconform -strict, which reads the strict tree only.
        for tree in (f"{version}-local-strict",):
            prefix = f"kubernetes_validate/kubernetes-json-schema/{tree}/"
            names = [x for x in z.namelist() if x.startswith(prefix) and x.endswith(".json")]
            if not names:
                sys.exit(f"kubernetes-validate has no schemas for {version}")
            defs = json.loads(z.read(prefix + "_definitions.json"))["$defs"]
            deps = {k: set(LOCAL_RE.findall(json.dumps(v))) | set(REF_RE.findall(json.dumps(v))) for k, v in defs.items()}
            os.makedirs(os.path.join(out, tree), exist_ok=True)
            for name in names:
                base = name[len(prefix):]
                if base == "_definitions.json":
                    continue
                schema = json.loads(z.read(name))
                if "x-kubernetes-group-version-kind" not in schema:
                    continue  # sub-object schemas: kubeconform looks up kinds only
                todo = set(REF_RE.findall(json.dumps(schema)))
                seen: set[str] = set()
                while todo:
                    d = todo.pop()
                    if d in seen:
                        continue
                    seen.add(d)
                    todo |= deps.get(d, set()) - seen
                schema["$defs"] = {d: defs[d] for d in sorted(seen)}
                schema.pop("$id", None)
                text = json.dumps(schema, separators=(",", ":")).replace(REF, "#/$defs/")
                with open(os.path.join(out, tree, base), "w") as f:
                    f.write(text)
                n += 1
    print(f"  {version}: {n} standalone kind schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
