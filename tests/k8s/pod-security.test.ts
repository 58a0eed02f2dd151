import { strict as assert } from "assert";
import { podSecurityViolations, podSpecOf, scratchSpaceViolations } from "../../components/k8s/pod-security-check";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/k8s/security-context";

const container = (extra: Record<string, unknown> = {}) => ({ name: "c", image: "x:1", securityContext: restrictedContainerSecurityContext(), ...extra });
const pod = (extra: Record<string, unknown> = {}) => ({ securityContext: restrictedPodSecurityContext(), containers: [container()], ...extra });

describe("k8s/pod-security: Pod Security Standards on rendered pod specs", () => {
  it("admits the shared restricted security contexts at every level", () => {
    for (const level of ["restricted", "baseline", "privileged"] as const) assert.deepEqual(podSecurityViolations(pod(), level), []);
  });

  it("finds each restricted control a pod breaks", () => {
    const v = (p: Record<string, unknown>) => podSecurityViolations(p, "restricted").join("; ");
    assert.match(v(pod({ containers: [container({ securityContext: { ...restrictedContainerSecurityContext(), allowPrivilegeEscalation: true } })] })), /allowPrivilegeEscalation/);
    assert.match(v(pod({ containers: [container({ securityContext: { ...restrictedContainerSecurityContext(), capabilities: { drop: ["NET_RAW"] } } })] })), /drop ALL/);
    assert.match(v(pod({ containers: [container({ securityContext: { ...restrictedContainerSecurityContext(), capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } } })] })), /adds capability SYS_ADMIN/);
    assert.match(v({ containers: [container({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } })] }), /runAsNonRoot.*|seccomp/);
    assert.match(v(pod({ volumes: [{ name: "host", hostPath: { path: "/" } }] })), /hostPath/);
    assert.match(v(pod({ volumes: [{ name: "n", nfs: { server: "x", path: "/" } }] })), /type nfs/);
    assert.match(v(pod({ initContainers: [container({ name: "init", securityContext: {} })] })), /container init/);
  });

  it("baseline allows what restricted forbids but not host access or privilege", () => {
    const loose = { containers: [{ name: "c", image: "x:1" }] };
    assert.deepEqual(podSecurityViolations(loose, "baseline"), []);
    assert.ok(podSecurityViolations(loose, "restricted").length > 0);
    assert.match(podSecurityViolations({ ...loose, hostNetwork: true }, "baseline").join(), /hostNetwork/);
    assert.match(podSecurityViolations({ containers: [{ name: "c", securityContext: { privileged: true } }] }, "baseline").join(), /privileged/);
    assert.match(podSecurityViolations({ containers: [{ name: "c", ports: [{ containerPort: 3478, hostPort: 3478 }] }] }, "baseline").join(), /hostPort/);
    assert.deepEqual(podSecurityViolations({ ...loose, hostNetwork: true }, "privileged"), []);
  });

  it("finds the pod spec in every workload kind", () => {
    const spec = pod();
    assert.equal(podSpecOf({ kind: "Pod", spec }), spec);
    for (const kind of ["Deployment", "StatefulSet", "DaemonSet", "Job"]) assert.equal(podSpecOf({ kind, spec: { template: { spec } } }), spec);
    assert.equal(podSpecOf({ kind: "CronJob", spec: { jobTemplate: { spec: { template: { spec } } } } }), spec);
    assert.equal(podSpecOf({ kind: "Service", spec: {} }), undefined);
  });

  it("requires bounded scratch space: read-only root and sized disk emptyDirs", () => {
    assert.deepEqual(scratchSpaceViolations(pod({ volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, { name: "m", emptyDir: { medium: "Memory" } }] })), []);
    assert.match(scratchSpaceViolations(pod({ volumes: [{ name: "tmp", emptyDir: {} }] })).join(), /emptyDir tmp has no sizeLimit/);
    assert.match(scratchSpaceViolations(pod({ containers: [container({ securityContext: restrictedContainerSecurityContext(10001, false) })] })).join(), /writable root/);
  });
});
