#!/usr/bin/env python3
"""Structural checks of deploy/compose.yaml and deploy/k8s/**/*.yaml for test_deploy_files.

usage: check_manifests.py DEPLOY_DIR CONFIGMAP_OUT
Exits 0 when every check passes, 1 naming each failure on stderr, 77 when PyYAML is missing.
Writes the netra.jsonc held by the k8s ConfigMap netra-config to CONFIGMAP_OUT, so the test can
load it with netra's own config loader."""
import pathlib
import sys

try:
    import yaml
except ImportError:
    sys.exit(77)

deploy = pathlib.Path(sys.argv[1])
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def load_all(path):
    try:
        return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        failures.append(f"{path}: not YAML: {e}")
        return []


def containers_of(doc):
    return doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])


# compose.yaml: Redis with AOF and a volume, crawler, workers with replicas, desk with its port
# and a /healthz health check.
compose = (load_all(deploy / "compose.yaml") or [{}])[0]
services = compose.get("services", {})
for name in ("redis", "crawler", "worker", "desk"):
    check(name in services, f"compose.yaml: no service {name}")
redis = services.get("redis", {})
command = " ".join(str(c) for c in redis.get("command", []))
check("--appendonly yes" in command, "compose.yaml: redis runs without --appendonly yes")
check("--zset-max-listpack-entries 1024" in command,
      "compose.yaml: redis keeps followed sets as skiplists (--zset-max-listpack-entries 1024)")
check(any(str(v).endswith(":/data") for v in redis.get("volumes", [])),
      "compose.yaml: redis keeps /data in no volume")
check(services.get("worker", {}).get("deploy", {}).get("replicas", 1) >= 2,
      "compose.yaml: worker has fewer than 2 replicas")
desk = services.get("desk", {})
check(any("8480" in str(p) for p in desk.get("ports", [])), "compose.yaml: desk publishes no 8480")
check("/healthz" in " ".join(desk.get("healthcheck", {}).get("test", [])),
      "compose.yaml: desk health check is not on /healthz")
for name in ("crawler", "worker", "desk"):
    build = services.get(name, {}).get("build", {})
    check(build.get("dockerfile") == "deploy/docker/Dockerfile" and build.get("target") == name,
          f"compose.yaml: {name} is not built from deploy/docker/Dockerfile target {name}")
config = deploy / compose.get("configs", {}).get("netra", {}).get("file", "missing")
check(config.is_file(), f"compose.yaml: config file {config} missing")

# Kubernetes: every workload has resources and runs as non-root; every Deployment has a liveness
# probe; the desk is probed on /healthz; Redis is a StatefulSet with AOF and a volume claim.
docs = []
for path in sorted((deploy / "k8s").rglob("*.yaml")):
    if path.name == "kustomization.yaml":
        continue
    for doc in load_all(path):
        check("kind" in doc and "apiVersion" in doc and "name" in doc.get("metadata", {}),
              f"{path}: a document without kind, apiVersion or metadata.name")
        docs.append((path, doc))
kinds = {}
for path, doc in docs:
    kinds.setdefault((doc.get("kind"), doc.get("metadata", {}).get("name")), path)
    if doc.get("kind") not in ("Deployment", "StatefulSet"):
        continue
    where = f"{path.relative_to(deploy)}: {doc['kind']} {doc['metadata']['name']}"
    pod = doc["spec"]["template"]["spec"]
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True,
          f"{where}: runAsNonRoot is not true")
    for c in containers_of(doc):
        res = c.get("resources", {})
        check("cpu" in res.get("requests", {}) and "memory" in res.get("requests", {}),
              f"{where}: container {c['name']} requests no cpu or memory")
        check("memory" in res.get("limits", {}), f"{where}: container {c['name']} has no memory limit")
        check(c.get("securityContext", {}).get("allowPrivilegeEscalation") is False,
              f"{where}: container {c['name']} may escalate privileges")
        if doc["kind"] == "Deployment":
            check("livenessProbe" in c, f"{where}: container {c['name']} has no liveness probe")
for name in ("crawler", "worker", "desk"):
    check(("Deployment", name) in kinds, f"k8s: no Deployment {name}")
for path, doc in docs:
    if doc.get("kind") == "Deployment" and doc["metadata"]["name"] == "desk":
        c = containers_of(doc)[0]
        check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
              "k8s desk: readiness probe is not GET /healthz")
    if doc.get("kind") == "StatefulSet" and doc["metadata"]["name"] == "redis":
        c = containers_of(doc)[0]
        text = " ".join(c.get("args", []) + c.get("command", []))
        script = ""
        for _, other in docs:
            if other.get("kind") == "ConfigMap" and other["metadata"]["name"] == "redis-scripts":
                script = other["data"].get("redis.sh", "")
        check("--appendonly" in text + script, f"{path}: redis StatefulSet without AOF")
        check("--zset-max-listpack-entries" in text + script,
              f"{path}: redis StatefulSet without --zset-max-listpack-entries")
        check(doc["spec"].get("volumeClaimTemplates"), f"{path}: redis StatefulSet without a PVC")
check(("Secret", "netra-secrets") in kinds, "k8s: no Secret netra-secrets")
check(("StatefulSet", "sentinel") in kinds, "k8s: no Sentinel example")
configmap = [d for _, d in docs if d.get("kind") == "ConfigMap" and
             d["metadata"]["name"] == "netra-config"]
check(len(configmap) == 1 and "netra.jsonc" in configmap[0].get("data", {}),
      "k8s: no ConfigMap netra-config with netra.jsonc")
if len(configmap) == 1:
    pathlib.Path(sys.argv[2]).write_text(configmap[0]["data"].get("netra.jsonc", ""))

for f in failures:
    print(f, file=sys.stderr)
sys.exit(1 if failures else 0)
