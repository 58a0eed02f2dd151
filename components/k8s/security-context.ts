/**
 * Security contexts that meet the Kubernetes "restricted" Pod Security Standard: non-root,
 * no privilege escalation, every capability dropped, RuntimeDefault seccomp.
 */
export function restrictedPodSecurityContext(uid = 10001, fsGroup = uid) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedContainerSecurityContext(uid = 10001, readOnlyRootFilesystem = true) {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
