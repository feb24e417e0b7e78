"""Checks on the manifests `helm template` rendered from helm/ (run by
scripts/helm-test.sh, with PyYAML from its virtualenv).

Usage: helm-checks.py CASE MANIFESTS.yaml [APP_VERSION]
CASE is `default` (the chart's defaults), `production`
(helm/examples/production.yaml), `created-secrets` (tokens and the
database URL given as values) or `sqlite-persistent` (SQLite on a claim). Prints one line per failed check and exits 1
when any failed.

       helm-checks.py materialize MANIFESTS.yaml ROOT
writes what the container would see under ROOT: each ConfigMap mount's
files at ROOT/MOUNTPATH, a Secret mount's items as placeholder files (the
Secret is not rendered: an existing one), ROOT/config.toml and ROOT/env
(the container's literal variables as `export` lines), every mount path
they name moved under ROOT, so that the real binary can start on them.
"""

import os
import re
import shlex
import sys
import tomllib
import xml.etree.ElementTree as ET

import yaml

failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
    return cond


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    return docs, by_kind


def one(by_kind, kind):
    items = by_kind.get(kind, [])
    check(len(items) == 1, f"exactly one {kind}, found {len(items)}")
    return items[0] if items else {}


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def literal(env, name):
    e = env.get(name)
    return e.get("value") if e else None


# Secret material: names of variables that may only come from a Secret, and
# what must never appear in a ConfigMap.
SECRET_VARS = re.compile(r"^CDP_SPARK_PROVISIONER__(AUTH__\w*TOKEN|STORE__URL|STORE__DATABASE_URL)$")
SECRETISH_NAME = re.compile(r"(TOKEN|PASSWORD|SECRET|CREDENTIAL|_URL)$")
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s\"']*:[^/@\s\"']*@")
TOKEN_KEY = re.compile(r"(?m)^\s*(coordinator_token|status_token|trigger_token)\s*=")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def common(docs, by_kind, app_version):
    """What holds for every rendering."""
    dep = one(by_kind, "Deployment")
    svc = one(by_kind, "Service")
    cms = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    secrets = {s["metadata"]["name"]: s for s in by_kind.get("Secret", [])}
    spec = dep["spec"]["template"]["spec"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    containers = spec["containers"]
    check(len(containers) == 1, "one container in the pod")
    c = containers[0]
    env = env_of(c)

    # Every resource carries the standard labels.
    for d in docs:
        labels = d["metadata"].get("labels", {})
        name = f'{d["kind"]}/{d["metadata"]["name"]}'
        check(labels.get("app.kubernetes.io/name") == "cdp-spark-provisioner", f"{name}: app.kubernetes.io/name label")
        check(labels.get("app.kubernetes.io/version") == app_version, f"{name}: app.kubernetes.io/version is {app_version}")

    # The selector selects the pods; the Service selects them too.
    sel = dep["spec"]["selector"]["matchLabels"]
    check(all(pod_labels.get(k) == v for k, v in sel.items()), "Deployment selector matches its pod labels")
    check(all(pod_labels.get(k) == v for k, v in svc["spec"]["selector"].items()), "Service selector matches the pod labels")

    # How the binary starts: serve --config FILE, FILE the mounted ConfigMap's config.toml.
    args = c.get("args", [])
    check(args[:2] == ["serve", "--config"] and len(args) == 3, f"args are serve --config FILE, not {args}")
    config_path = args[2] if len(args) == 3 else ""
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    config_dir, _, config_file = config_path.rpartition("/")
    cm_mount = mounts.get(config_dir)
    config_text = ""
    if check(cm_mount is not None, f"the folder of {config_path} is mounted"):
        check(cm_mount.get("readOnly") is True, "the configuration is mounted read-only")
        vol = volumes.get(cm_mount["name"], {})
        cm = cms.get(vol.get("configMap", {}).get("name"), {})
        config_text = cm.get("data", {}).get(config_file, "")
        check(config_text != "", f"the ConfigMap behind {config_path} holds {config_file}")
    try:
        config = tomllib.loads(config_text)
    except tomllib.TOMLDecodeError as e:
        check(False, f"config.toml is TOML: {e}")
        config = {}
    sections = {"server", "store", "hdfs", "auth", "async", "descriptor", "artifacts", "log", "scheduler", "launcher"}
    check(set(config) <= sections, f"config.toml has only the provisioner's sections, not {sorted(set(config) - sections)}")
    check("auth" not in config or not config["auth"], "config.toml has no [auth] secrets")
    check(config.get("log", {}).get("format") == "json", "logs are JSON (one object per line) in a cluster")

    # The port: bind on every interface, named http, the Service's target.
    port = next((p for p in c.get("ports", []) if p.get("name") == "http"), None)
    if check(port is not None, "the container has a port named http"):
        check(literal(env, "CDP_SPARK_PROVISIONER__SERVER__BIND") == f'0.0.0.0:{port["containerPort"]}',
              "server.bind is 0.0.0.0:<the http port>")
    check([p.get("targetPort") for p in svc["spec"]["ports"]] == ["http"], "the Service targets the http port")
    check(literal(env, "CDP_SPARK_PROVISIONER__SERVER__BIND") is not None, "server.bind is set by the chart")
    inst = env.get("CDP_SPARK_PROVISIONER__SCHEDULER__INSTANCE_ID", {})
    check(inst.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
          "scheduler.instance_id is the pod's name")

    # Probes on the routes the service has.
    for probe, path in [("readinessProbe", "/ready"), ("livenessProbe", "/health"), ("startupProbe", "/health")]:
        get = c.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") == "http", f"{probe} is GET {path} on port http, not {get}")
    check(c.get("startupProbe", {}).get("periodSeconds", 0) * c.get("startupProbe", {}).get("failureThreshold", 0) >= 120,
          "the start-up probe allows at least 2 minutes (the job store is migrated before serve listens)")

    # Security context: non-root, read-only root, no escalation, no capability.
    sc = c.get("securityContext", {})
    psc = spec.get("securityContext", {})
    check(sc.get("runAsNonRoot") is True and psc.get("runAsNonRoot") is True, "runAsNonRoot on pod and container")
    check(isinstance(sc.get("runAsUser"), int) and sc["runAsUser"] > 0, "container runs as a numeric non-root uid")
    check(sc.get("readOnlyRootFilesystem") is True, "read-only root filesystem")
    check(sc.get("allowPrivilegeEscalation") is False, "no privilege escalation")
    check(sc.get("privileged") is not True, "not privileged")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "every capability dropped")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "seccomp RuntimeDefault")
    check(spec.get("automountServiceAccountToken") is False, "no Kubernetes API token in the pod")
    check(spec.get("enableServiceLinks") is False, "no service links in the environment")
    for ic in spec.get("initContainers", []):
        isc = ic.get("securityContext", {})
        check(isc.get("readOnlyRootFilesystem") is True and isc.get("allowPrivilegeEscalation") is False
              and isc.get("runAsNonRoot") is True, f"init container {ic['name']}: same security context")

    # Writable places are volumes: the data folder (SQLite, HOME) and /tmp.
    for path in ["/var/lib/cdp-spark-provisioner", "/tmp"]:
        m = mounts.get(path)
        if check(m is not None, f"{path} is a mounted volume (the root filesystem is read-only)"):
            v = volumes.get(m["name"], {})
            check("emptyDir" in v or "persistentVolumeClaim" in v, f"{path} is writable storage")
            check(not m.get("readOnly"), f"{path} is mounted writable")
    check(literal(env, "TMPDIR") == "/tmp", "TMPDIR is the /tmp volume")
    data_dir = config.get("store", {}).get("data_dir")
    if data_dir is not None:
        check(data_dir.startswith("/var/lib/cdp-spark-provisioner/") or data_dir == "/var/lib/cdp-spark-provisioner",
              f"store.data_dir {data_dir} lies on the data volume")

    # Every mount names a volume; every ConfigMap or Secret volume is rendered
    # here or named as an existing one by the values (checked per case).
    for ctr in containers + spec.get("initContainers", []):
        for m in ctr.get("volumeMounts", []):
            check(m["name"] in volumes, f"{ctr['name']}: mount {m['mountPath']} names a volume of the pod")

    # Secrets: variables that carry them come from a Secret, never a literal.
    for name, e in env.items():
        if SECRET_VARS.match(name) or SECRETISH_NAME.search(name):
            check("value" not in e and "secretKeyRef" in e.get("valueFrom", {}),
                  f"{name} comes from a secretKeyRef, not a literal value")
    for name, cm in cms.items():
        for key, text in (cm.get("data") or {}).items():
            check(not URL_PASSWORD.search(text), f"ConfigMap {name}/{key} holds no URL with a password")
            check(not TOKEN_KEY.search(text), f"ConfigMap {name}/{key} holds no token")
            check(not PRIVATE_KEY.search(text), f"ConfigMap {name}/{key} holds no private key")
        check(not cm.get("binaryData"), f"ConfigMap {name} holds no binary data (a keytab is a Secret)")
    for s in secrets.values():
        check(s.get("type") == "Opaque", f"Secret {s['metadata']['name']} is Opaque")

    # Rollouts on a new configuration.
    ann = dep["spec"]["template"]["metadata"].get("annotations", {})
    check(re.fullmatch(r"[0-9a-f]{64}", ann.get("checksum/config", "")) is not None, "checksum/config annotation")
    return dep, svc, cms, secrets, spec, c, env, mounts, volumes, config


def secret_refs(env):
    return {n: e["valueFrom"]["secretKeyRef"] for n, e in env.items() if "secretKeyRef" in e.get("valueFrom", {})}


def materialize(path, root):
    docs, by_kind = load(path)
    spec = by_kind["Deployment"][0]["spec"]["template"]["spec"]
    c = spec["containers"][0]
    cms = {d["metadata"]["name"]: d for d in by_kind.get("ConfigMap", [])}
    volumes = {v["name"]: v for v in spec["volumes"]}
    config_path = c["args"][2]
    for m in c["volumeMounts"]:
        v = volumes[m["name"]]
        folder = root + m["mountPath"]
        os.makedirs(folder, exist_ok=True)
        if "configMap" in v:
            for key, text in cms[v["configMap"]["name"]]["data"].items():
                with open(f"{folder}/{key}", "w", encoding="utf-8") as f:
                    f.write(text)
        elif "secret" in v:
            for item in v["secret"]["items"]:
                with open(f"{folder}/{item['path']}", "wb") as f:
                    f.write(b"\x05\x02")  # a keytab with no entry (format 0x0502)
    mounts = sorted({m["mountPath"] for m in c["volumeMounts"]}, key=len, reverse=True)
    where = re.compile(r'(?<![\w/.-])(' + "|".join(re.escape(p) for p in mounts) + r')(?=/|"|$)')
    def moved(text):
        return where.sub(lambda mo: root + mo.group(1), text)
    with open(root + config_path, encoding="utf-8") as f:
        config = f.read()
    with open(f"{root}/config.toml", "w", encoding="utf-8") as f:
        f.write(moved(config))
    with open(f"{root}/env", "w", encoding="utf-8") as f:
        for e in c["env"]:
            if "value" in e and e["name"] not in ("HOME", "TMPDIR"):
                f.write(f"export {e['name']}={shlex.quote(moved(e['value']))}\n")


def main():
    if sys.argv[1] == "materialize":
        materialize(sys.argv[2], sys.argv[3])
        return
    case, path = sys.argv[1], sys.argv[2]
    app_version = sys.argv[3] if len(sys.argv) > 3 else "0.0.0"
    docs, by_kind = load(path)
    dep, svc, cms, secrets, spec, c, env, mounts, volumes, config = common(docs, by_kind, app_version)
    kinds = sorted(by_kind)

    if case == "default":
        check(kinds == ["ConfigMap", "Deployment", "Service", "ServiceAccount"], f"default kinds, not {kinds}")
        check(dep["spec"]["replicas"] == 1, "one replica")
        check(dep["spec"]["strategy"]["type"] == "Recreate", "SQLite: Recreate, never two pods on one file")
        check(c["image"] == f"cdp-spark-provisioner:{app_version}", f"image is the appVersion tag, not {c['image']}")
        check(secret_refs(env) == {}, "no secret given, none referenced")
        check(config.get("scheduler", {}).get("enabled") is False, "no launcher configured: the scheduler is off")
        check(c.get("resources", {}).get("limits", {}).get("memory") is not None, "a memory limit")
        check("imagePullSecrets" not in spec, "no pull secret by default")
        check(spec.get("serviceAccountName") == dep["metadata"]["name"], "the created ServiceAccount")
    elif case == "production":
        check(kinds == ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount", "ServiceMonitor"],
              f"production kinds, not {kinds}")
        pdb = one(by_kind, "PodDisruptionBudget")
        check(pdb.get("spec", {}).get("maxUnavailable") == 1, "a drain takes one replica at a time")
        check(pdb.get("spec", {}).get("selector", {}).get("matchLabels") == dep["spec"]["selector"]["matchLabels"],
              "the PodDisruptionBudget selects the Deployment's pods")
        check(dep["spec"]["replicas"] == 3, "three replicas")
        check(dep["spec"]["strategy"]["type"] == "RollingUpdate", "a shared database: rolling updates")
        check(c["image"] == "registry.example.com/witboost/cdp-spark-provisioner:0.0.0-spark4",
              f"image reference registry/repository:tag, not {c['image']}")
        check(spec.get("imagePullSecrets") == [{"name": "regcred"}], "the registry's pull secret")
        check(dep["metadata"]["labels"].get("team") == "data-platform", "the values' labels")
        refs = secret_refs(env)
        want = {
            "CDP_SPARK_PROVISIONER__STORE__URL": "database-url",
            "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN": "coordinator-token",
            "CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN": "status-token",
            "CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN": "trigger-token",
        }
        check({n: r["key"] for n, r in refs.items()} == want, f"tokens and the database URL from the Secret's keys: {refs}")
        check(all(r["name"] == "spark-provisioner-secrets" for r in refs.values()), "from the existing Secret")
        check(secrets == {}, "existing secrets: the chart creates none")
        # Kerberos: keytab Secret, krb5.conf and Hadoop configuration ConfigMaps, mounted where the config names them.
        kt = mounts.get("/etc/security/keytabs")
        if check(kt is not None and kt.get("readOnly") is True, "the keytab folder is mounted read-only"):
            kv = volumes[kt["name"]].get("secret", {})
            check(kv.get("secretName") == "spark-provisioner-keytab", "the keytab comes from the existing Secret")
            check(kv.get("defaultMode") == 0o440, f"the keytab is mode 0440, not {oct(kv.get('defaultMode', 0))}")
            check(kv.get("items") == [{"key": "provisioner.keytab", "path": "provisioner.keytab"}], "one keytab file")
        keytab = "/etc/security/keytabs/provisioner.keytab"
        check(config.get("hdfs", {}).get("keytab") == keytab, "hdfs.keytab is the mounted keytab")
        check(config.get("launcher", {}).get("kerberos_keytab") == keytab, "launcher.kerberos_keytab is the mounted keytab")
        krb = mounts.get("/etc/krb5")
        if check(krb is not None, "krb5.conf is mounted"):
            cm = cms.get(volumes[krb["name"]].get("configMap", {}).get("name"), {})
            check("[libdefaults]" in cm.get("data", {}).get("krb5.conf", ""), "the krb5.conf ConfigMap holds it")
        check(literal(env, "KRB5_CONFIG") == "/etc/krb5/krb5.conf", "KRB5_CONFIG names the mounted krb5.conf")
        check(literal(env, "CDP_SPARK_PROVISIONER__LAUNCHER__KRB5_CONF") == "/etc/krb5/krb5.conf",
              "launcher.krb5_conf names the mounted krb5.conf")
        hc = mounts.get("/etc/hadoop/conf")
        if check(hc is not None and hc.get("readOnly") is True, "the Hadoop configuration is mounted read-only"):
            cm = cms.get(volumes[hc["name"]].get("configMap", {}).get("name"), {})
            files = cm.get("data", {})
            check(sorted(files) == ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"], f"Hadoop files: {sorted(files)}")
            for name, text in files.items():
                try:
                    root = ET.fromstring(text)
                    check(root.tag == "configuration", f"{name} is a Hadoop configuration")
                except ET.ParseError as e:
                    check(False, f"{name} is XML: {e}")
        for var in ["HADOOP_CONF_DIR", "YARN_CONF_DIR"]:
            check(literal(env, var) == "/etc/hadoop/conf", f"{var} is the mounted folder")
        check(config.get("hdfs", {}).get("hadoop_conf_dir") == "/etc/hadoop/conf", "hdfs.hadoop_conf_dir is mounted")
        check(config.get("launcher", {}).get("mode") == "yarn", "production submits to YARN")
        check(config.get("scheduler", {}).get("enabled") is True, "every replica runs the scheduler")
        check("url" not in config.get("store", {}), "store.url only from the Secret")
        # The custom root CA: a ConfigMap, bundled by the init container, named by SSL_CERT_FILE.
        ca = next((cm for n, cm in cms.items() if n.endswith("-custom-ca")), {})
        check(ca.get("data", {}).get("ca.crt", "").startswith("-----BEGIN CERTIFICATE-----"), "the root CA ConfigMap")
        inits = spec.get("initContainers", [])
        check([i["name"] for i in inits] == ["ca-bundle"], "the CA bundle init container")
        if inits:
            check(inits[0]["image"] == c["image"], "the init container uses the provisioner's image")
            out = {m["mountPath"]: m["name"] for m in inits[0].get("volumeMounts", [])}
            bundle = literal(env, "SSL_CERT_FILE") or ""
            folder = bundle.rpartition("/")[0]
            check(folder in out and mounts.get(folder, {}).get("name") == out[folder],
                  "SSL_CERT_FILE lies on the volume the init container writes")
            check(bundle in " ".join(inits[0]["command"]), "the init container writes SSL_CERT_FILE")
        # ServiceMonitor: /metrics on the http port of this Service.
        sm = one(by_kind, "ServiceMonitor")
        eps = sm.get("spec", {}).get("endpoints", [])
        check([(e.get("port"), e.get("path")) for e in eps] == [("http", "/metrics")], "scrapes /metrics on http")
        check(all(svc["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items()),
              "the ServiceMonitor selects the Service")
        check(sm["metadata"]["labels"].get("release") == "kube-prometheus-stack", "the ServiceMonitor's own labels")
        check(spec.get("affinity", {}).get("podAntiAffinity") is not None, "affinity passed through")
    elif case == "created-secrets":
        s = secrets.get(dep["metadata"]["name"] + "-secrets")
        if check(s is not None, "the chart creates the Secret"):
            check(sorted(s.get("data", {})) == ["coordinator-token", "database-url"], f"its keys: {sorted(s.get('data', {}))}")
        refs = secret_refs(env)
        check({n: r["key"] for n, r in refs.items()} == {
            "CDP_SPARK_PROVISIONER__STORE__URL": "database-url",
            "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN": "coordinator-token"},
            f"only the given secrets are referenced: {refs}")
        check(dep["spec"]["replicas"] == 2, "two replicas on the database")
        ann = dep["spec"]["template"]["metadata"].get("annotations", {})
        check(re.fullmatch(r"[0-9a-f]{64}", ann.get("checksum/secret", "")) is not None, "checksum/secret annotation")
        # The values themselves appear only in the Secret, base64-encoded.
        raw = open(path, encoding="utf-8").read()
        for value in ["s3cr3t-db-pass", "coordinator-s3cr3t"]:
            check(value not in raw, f"{value!r} appears nowhere in clear")
    elif case == "sqlite-persistent":
        check(kinds == ["ConfigMap", "Deployment", "PersistentVolumeClaim", "Service", "ServiceAccount"],
              f"persistent SQLite kinds, not {kinds}")
        pvc = one(by_kind, "PersistentVolumeClaim")
        check(pvc["metadata"].get("annotations", {}).get("helm.sh/resource-policy") == "keep",
              "the job store's claim outlives an uninstall")
        data = mounts.get("/var/lib/cdp-spark-provisioner", {})
        claim = volumes.get(data.get("name"), {}).get("persistentVolumeClaim", {}).get("claimName")
        check(claim == pvc["metadata"]["name"], "the data folder is the claim")
        check(dep["spec"]["strategy"]["type"] == "Recreate", "one pod on the claim at a time")
    else:
        sys.exit(f"helm-checks: unknown case {case}")

    for f in failures:
        print(f"helm-checks: {case}: FAILED: {f}", file=sys.stderr)
    print(f"helm-checks: {case}: {passed} checks passed, {len(failures)} failed", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
