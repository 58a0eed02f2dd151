/**
 * The mirror-tool forms of a stack's list: the `skopeo sync --src yaml` input names exactly the
 * stack's images at their upstream registries (the mirror is skopeo's destination), and the
 * `helm pull` lines name exactly its charts.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { helmPullCommands, skopeoSyncYaml, stackArtifacts } from "../../catalog/image-list";
import { IMAGES, imageRef } from "../../catalog/images";
import { parseSpec } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";

const MIRROR = "registry.internal:5000/mirror";

describe("image list formats", () => {
  for (const stack of ["dev", "prod", "prod-existing-5k"]) {
    it(`${stack}: the skopeo sync YAML holds every image of the list, from its upstream registry`, () => {
      const spec = parseSpec(loadStackConfig(stack), stack);
      const a = stackArtifacts({ ...spec, imageRegistry: MIRROR });
      const doc = parse(skopeoSyncYaml(a.imageNames)) as Record<string, { images: Record<string, string[]> }>;
      const refs = Object.entries(doc).flatMap(([registry, { images }]) => Object.entries(images).flatMap(([repo, tags]) => tags.map((t) => `${registry}/${repo}:${t}`)));
      assert.deepEqual(refs.sort(), [...new Set(a.imageNames.map((n) => imageRef(n)))].sort());
      // skopeo keeps the repository path under the destination: that is the override's layout.
      for (const ref of refs) {
        const mirrored = `${MIRROR}/${ref.slice(ref.indexOf("/") + 1)}`;
        assert.ok(a.images.includes(mirrored), `${mirrored} not in the list`);
      }
      // Tags are quoted strings (a tag such as 1.30 must not turn into a number).
      for (const { images } of Object.values(doc)) for (const tags of Object.values(images)) for (const t of tags) assert.equal(typeof t, "string");
    });
  }

  it("one helm pull line a chart, OCI charts by reference and classic ones by --repo", () => {
    const spec = parseSpec(loadStackConfig("prod-existing-1k"), "prod-existing-1k");
    const a = stackArtifacts(spec);
    const lines = helmPullCommands(a.charts);
    assert.equal(lines.length, a.charts.length);
    assert.ok(lines.includes("helm pull oci://docker.io/envoyproxy/gateway-helm --version v1.9.1"));
    assert.ok(lines.includes("helm pull cert-manager --repo https://charts.jetstack.io --version v1.21.2"));
  });

  it("lists cert-manager, Envoy Gateway and the monitoring stack's own images", () => {
    const spec = parseSpec({ ...loadStackConfig("dev"), "matrix-platform:monitoring": "true" }, "dev");
    const names = stackArtifacts(spec).imageNames;
    for (const n of ["certManagerController", "certManagerAcmesolver", "envoyGateway", "envoyProxy", "prometheusOperator", "prometheus", "alertmanager", "grafana", "kubeStateMetrics", "prometheusConfigReloader"] as const) {
      assert.ok(names.includes(n), `${n} (${IMAGES[n].repository}) missing`);
    }
  });
});
