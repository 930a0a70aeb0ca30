// The rules a bank's platform team checks before it deploys Signet, applied to the built
// objects of one kustomization. Each returns the problems it finds (empty: it holds).
import { readFileSync } from "node:fs";
import { podSpec, containersOf, splitImage, id } from "./kustomize.mjs";

const STEP = "signet/apply-step";
// Connections a replica opens besides its SIGNET_WORKERS pool (four LISTEN connections,
// the audit writer, the readiness probe: provider/app/serve.cc).
const EXTRA_CONNECTIONS = 6;

const matches = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const envOf = (c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const envValue = (c, name) => envOf(c)[name]?.value;

// The SIGNET_* names signet reads (provider/config/config.cc): a misspelt one is ignored
// by signet, so it is refused here.
export function knownSettings(configSource) {
  return new Set([...configSource.matchAll(/"(SIGNET_[A-Z0-9_]+)"/g)].map((m) => m[1]));
}

export function checkPolicy(objects, { settings }) {
  const problems = [];
  const fail = (o, msg) => problems.push(`${id(o)}: ${msg}`);
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const [deployment, ...moreDeployments] = of("Deployment");
  const [job] = of("Job");
  if (!deployment || moreDeployments.length) return ["exactly one Deployment expected"];
  if (!job) problems.push("no migration Job");
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  const jobPodLabels = job?.spec.template.metadata?.labels ?? {};

  // --- every workload: non-root, read-only, no privileges, no token, resources, images
  for (const o of objects.filter(podSpec)) {
    const spec = podSpec(o);
    const psc = spec.securityContext ?? {};
    if (spec.automountServiceAccountToken !== false) fail(o, "automountServiceAccountToken must be false");
    const sa = objects.find((x) => x.kind === "ServiceAccount" && x.metadata.name === spec.serviceAccountName);
    if (!sa) fail(o, `serviceAccountName ${spec.serviceAccountName} is not in the build`);
    else if (sa.automountServiceAccountToken !== false) fail(sa, "automountServiceAccountToken must be false");
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) fail(o, "host namespaces");
    if ((spec.volumes ?? []).some((v) => v.hostPath)) fail(o, "hostPath volume");
    for (const c of containersOf(spec)) {
      const sc = c.securityContext ?? {};
      const where = `container ${c.name}`;
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) fail(o, `${where}: runAsNonRoot must be true`);
      const uid = sc.runAsUser ?? psc.runAsUser;
      if (!Number.isInteger(uid) || uid === 0) fail(o, `${where}: runAsUser must be a non-zero uid`);
      if ((sc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") fail(o, `${where}: seccompProfile must be RuntimeDefault`);
      if (sc.readOnlyRootFilesystem !== true) fail(o, `${where}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) fail(o, `${where}: allowPrivilegeEscalation must be false`);
      if (sc.privileged) fail(o, `${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(o, `${where}: capabilities must drop ALL`);
      if ((sc.capabilities?.add ?? []).length) fail(o, `${where}: adds capabilities`);
      const req = c.resources?.requests ?? {};
      if (!req.cpu || !req.memory) fail(o, `${where}: resource requests (cpu, memory) must be set`);
      if (!c.resources?.limits?.memory) fail(o, `${where}: a memory limit must be set`);
      const [name, tag, digest] = splitImage(c.image ?? "");
      if (!digest && !tag) fail(o, `${where}: image ${c.image} has no tag or digest`);
      if (tag === "latest") fail(o, `${where}: image ${c.image} uses the latest tag`);
      if (!name.includes("/")) fail(o, `${where}: image ${c.image} names no registry (the images: entry did not apply)`);
      for (const e of c.env ?? []) {
        if (e.name.startsWith("SIGNET_") && !settings.has(e.name)) fail(o, `${where}: ${e.name} is not a setting signet reads`);
      }
      if (envOf(c).SIGNET_MASTER_KEY) fail(o, `${where}: the master key must come from a Secret file (SIGNET_MASTER_KEY_FILE), not the environment`);
      const db = envOf(c).SIGNET_DATABASE_URL;
      if (!db?.valueFrom?.secretKeyRef) fail(o, `${where}: SIGNET_DATABASE_URL must come from a Secret (it holds the password)`);
    }
  }

  // --- the server: probes with the right meaning, shutdown, master key, listen port
  const spec = deployment.spec.template.spec;
  const server = spec.containers[0];
  if (!matches(deployment.spec.selector?.matchLabels, podLabels)) fail(deployment, "selector does not match its pod labels");
  const ports = Object.fromEntries((server.ports ?? []).map((p) => [p.name, p.containerPort]));
  const probe = (kind, path) => {
    const p = server[kind]?.httpGet;
    if (!p) return fail(deployment, `${kind} missing`);
    if (p.path !== path) fail(deployment, `${kind} must ask ${path}, not ${p.path}`);
    const port = typeof p.port === "string" ? ports[p.port] : p.port;
    if (!port) fail(deployment, `${kind} port ${p.port} is not a container port`);
  };
  probe("startupProbe", "/healthz");
  probe("readinessProbe", "/readyz");
  // Liveness on /readyz would restart every replica during a database failover.
  probe("livenessProbe", "/healthz");
  const listen = envValue(server, "SIGNET_LISTEN") ?? "";
  if (!listen.startsWith("0.0.0.0:") || Number(listen.split(":")[1]) !== ports.http) {
    fail(deployment, `SIGNET_LISTEN ${listen} must be 0.0.0.0 on the http container port ${ports.http}`);
  }
  const metricsListen = envValue(server, "SIGNET_METRICS_LISTEN");
  if (metricsListen && Number(metricsListen.split(":").pop()) !== ports.metrics) {
    fail(deployment, `SIGNET_METRICS_LISTEN ${metricsListen} is not on the metrics container port ${ports.metrics}`);
  }
  if (!(envValue(server, "SIGNET_ISSUER") ?? "").startsWith("https://")) fail(deployment, "SIGNET_ISSUER must be https");
  const keyFile = envValue(server, "SIGNET_MASTER_KEY_FILE") ?? "";
  const keyMount = (server.volumeMounts ?? []).find((m) => keyFile.startsWith(`${m.mountPath}/`));
  const keyVolume = keyMount && (spec.volumes ?? []).find((v) => v.name === keyMount.name);
  if (!keyVolume?.secret) fail(deployment, "SIGNET_MASTER_KEY_FILE must be in a mounted Secret volume");
  else if (keyMount.readOnly !== true) fail(deployment, "the master key volume must be mounted readOnly");
  const grace = Number(envValue(server, "SIGNET_SHUTDOWN_GRACE_SECONDS") ?? 20);
  const pause = server.lifecycle?.preStop?.sleep?.seconds ?? 0;
  if (!((spec.terminationGracePeriodSeconds ?? 30) > grace + pause)) {
    fail(deployment, `terminationGracePeriodSeconds must exceed preStop ${pause} s + SIGNET_SHUTDOWN_GRACE_SECONDS ${grace} s`);
  }

  // --- the migration Job: signet migrate, the server's database settings, run before it
  if (job) {
    const c = job.spec.template.spec.containers[0];
    if (JSON.stringify(c.args) !== '["migrate"]') fail(job, "must run `signet migrate`");
    if (c.image !== server.image) fail(job, `image ${c.image} differs from the server's ${server.image}`);
    if (!["Never", "OnFailure"].includes(job.spec.template.spec.restartPolicy)) fail(job, "restartPolicy must be Never or OnFailure");
    for (const name of ["SIGNET_DATABASE_URL", "PGSSLMODE", "PGSSLROOTCERT"]) {
      if (JSON.stringify(envOf(c)[name]) !== JSON.stringify(envOf(server)[name])) {
        fail(job, `${name} differs from the server's (the Job would migrate another database, or connect otherwise)`);
      }
    }
    if (job.metadata.labels?.[STEP] !== "migrate") fail(job, `needs label ${STEP}: migrate`);
  }
  for (const o of objects.filter((x) => ["Namespace", "ServiceAccount", "Cluster"].includes(x.kind))) {
    if (o.metadata.labels?.[STEP] !== "prepare") fail(o, `needs label ${STEP}: prepare (applied before the migration)`);
  }
  for (const o of objects.filter((x) => x.kind !== "Namespace")) {
    if (o.metadata.namespace !== "signet") fail(o, `namespace ${o.metadata.namespace} is not signet`);
  }

  // --- selectors: every object that points at the server's pods finds them
  for (const svc of of("Service")) {
    if (!matches(svc.spec.selector, podLabels)) fail(svc, "selector does not match the Deployment's pods");
    if (matches(svc.spec.selector, jobPodLabels)) fail(svc, "selector also matches the migration Job's pods");
    for (const p of svc.spec.ports) {
      if (typeof p.targetPort === "string" ? !ports[p.targetPort] : p.targetPort !== ports.http) {
        fail(svc, `targetPort ${p.targetPort} is not the server's port`);
      }
    }
  }
  if (!of("Service").length) problems.push("no Service");
  for (const pdb of of("PodDisruptionBudget")) {
    if (!matches(pdb.spec.selector?.matchLabels, podLabels)) fail(pdb, "selector does not match the Deployment's pods");
    if (matches(pdb.spec.selector?.matchLabels, jobPodLabels)) fail(pdb, "selector also matches the migration Job's pods");
  }
  if (!of("PodDisruptionBudget").length) problems.push("no PodDisruptionBudget");
  const hpas = of("HorizontalPodAutoscaler");
  if (!hpas.length) problems.push("no HorizontalPodAutoscaler");
  for (const hpa of hpas) {
    const t = hpa.spec.scaleTargetRef;
    if (t.kind !== "Deployment" || t.apiVersion !== deployment.apiVersion || t.name !== deployment.metadata.name) {
      fail(hpa, `scaleTargetRef ${t.apiVersion} ${t.kind}/${t.name} is not the Deployment`);
    }
    if (!(hpa.spec.minReplicas >= 2)) fail(hpa, "minReplicas must be at least 2 (one replica can be lost or drained)");
    if (deployment.spec.replicas !== undefined) fail(deployment, "spec.replicas is set while an HPA owns the count");
  }
  const policies = of("NetworkPolicy");
  if (!policies.length) problems.push("no NetworkPolicy");
  for (const np of policies) {
    if (!matches(np.spec.podSelector?.matchLabels, podLabels)) fail(np, "podSelector does not match the Deployment's pods");
    if (job && !matches(np.spec.podSelector?.matchLabels, jobPodLabels)) fail(np, "podSelector does not match the migration Job's pods");
    const isHttp = (p) => p === ports.http || p === "http";
    const isMetrics = (p) => ports.metrics !== undefined && (p === ports.metrics || p === "metrics");
    const open = (np.spec.ingress ?? []).flatMap((r) => r.ports ?? []).map((p) => p.port);
    if (!open.every((p) => isHttp(p) || isMetrics(p))) fail(np, `ingress opens ${open} besides the server's and metrics ports`);
    // The admin listener is for monitoring only: never open to the peers of the public
    // port (the ingress proxy), nor to every peer.
    for (const rule of np.spec.ingress ?? []) {
      const ps = (rule.ports ?? []).map((p) => p.port);
      if (ps.some(isMetrics) && (ps.some(isHttp) || !(rule.from ?? []).length)) {
        fail(np, "the metrics port is open to the public port's peers or to everyone");
      }
    }
    if (!(np.spec.policyTypes ?? []).includes("Egress")) fail(np, "egress is not restricted");
  }
  for (const t of spec.topologySpreadConstraints ?? []) {
    if (!matches(t.labelSelector?.matchLabels, podLabels)) fail(deployment, "topologySpreadConstraints selector does not match its pods");
  }

  // --- CloudNativePG: synchronous replication that loses nothing, Signet on its -rw Service
  for (const cluster of of("Cluster")) {
    const name = cluster.metadata.name;
    problems.push(...checkCnpgCluster(cluster));
    for (const [o, c] of [[deployment, server], [job, job?.spec.template.spec.containers[0]]]) {
      if (!c) continue;
      const ref = envOf(c).SIGNET_DATABASE_URL?.valueFrom?.secretKeyRef;
      if (ref?.name !== `${name}-app` || ref?.key !== "uri") {
        fail(o, `SIGNET_DATABASE_URL must be ${name}-app's uri (it names the ${name}-rw Service)`);
      }
      if (envValue(c, "PGSSLMODE") !== "verify-full") fail(o, "PGSSLMODE must be verify-full");
      const ca = envValue(c, "PGSSLROOTCERT") ?? "";
      const mount = (c.volumeMounts ?? []).find((m) => ca.startsWith(`${m.mountPath}/`));
      const vol = mount && (podSpec(o).volumes ?? []).find((v) => v.name === mount.name);
      if (vol?.secret?.secretName !== `${name}-ca`) fail(o, `PGSSLROOTCERT must be in a volume of Secret ${name}-ca`);
    }
    for (const np of policies) {
      const toDb = (np.spec.egress ?? []).filter((r) => (r.ports ?? []).some((p) => p.port === 5432));
      if (!toDb.length || !toDb.every((r) => (r.to ?? []).length &&
          r.to.every((t) => t.podSelector?.matchLabels?.["cnpg.io/cluster"] === name))) {
        fail(np, `egress to 5432 must go only to the pods of ${name} (cnpg.io/cluster)`);
      }
    }
    const workers = Number(envValue(server, "SIGNET_WORKERS") ?? 8);
    const most = Math.max(0, ...hpas.map((h) => h.spec.maxReplicas));
    const need = most * (workers + EXTRA_CONNECTIONS) + workers + EXTRA_CONNECTIONS;
    const max = Number(cluster.spec.postgresql?.parameters?.max_connections ?? 100);
    if (max < need + 10) fail(cluster, `max_connections ${max} is below ${need + 10}: ${most} replicas x (${workers} + ${EXTRA_CONNECTIONS}), one more during a rollout, and the operator's`);
  }
  return problems;
}

// Structural checks of a CloudNativePG Cluster (its CRD schema is not in kubernetes-models;
// check.mjs validates against the CRD too when CNPG_CRD names a copy of it).
const CLUSTER_SPEC_FIELDS = new Set(["instances", "imageName", "postgresql", "bootstrap", "storage",
  "walStorage", "resources", "affinity", "monitoring", "backup", "enableSuperuserAccess",
  "primaryUpdateStrategy", "primaryUpdateMethod", "certificates", "managed", "description",
  "inheritedMetadata", "priorityClassName", "topologySpreadConstraints", "switchoverDelay",
  "failoverDelay", "startDelay", "stopDelay", "smartShutdownTimeout", "env", "envFrom",
  "logLevel", "maxSyncReplicas", "minSyncReplicas", "nodeMaintenanceWindow", "probes",
  "projectedVolumeTemplate", "replica", "replicationSlots", "serviceAccountTemplate",
  "superuserSecret", "tablespaces", "externalClusters", "ephemeralVolumeSource",
  "ephemeralVolumesSizeLimit", "imageCatalogRef", "imagePullPolicy", "imagePullSecrets",
  "seccompProfile", "podSecurityContext", "securityContext", "plugins", "livenessProbeTimeout",
  "enablePDB", "postgresUID", "postgresGID"]);

export function checkCnpgCluster(cluster) {
  const problems = [];
  const fail = (msg) => problems.push(`${id(cluster)}: ${msg}`);
  if (cluster.apiVersion !== "postgresql.cnpg.io/v1") fail(`apiVersion ${cluster.apiVersion} is not postgresql.cnpg.io/v1`);
  const spec = cluster.spec ?? {};
  for (const key of Object.keys(spec)) if (!CLUSTER_SPEC_FIELDS.has(key)) fail(`unknown field spec.${key}`);
  if (!(spec.instances >= 3)) fail("needs 3 instances (a primary and two standbys)");
  const sync = spec.postgresql?.synchronous;
  if (!sync) fail("spec.postgresql.synchronous is missing: replication would be asynchronous");
  else {
    if (!["any", "first"].includes(sync.method)) fail(`synchronous.method ${sync.method} is not any or first`);
    if (!(Number.isInteger(sync.number) && sync.number >= 1 && sync.number < spec.instances)) {
      fail(`synchronous.number ${sync.number} must be from 1 to instances - 1`);
    }
    if (sync.dataDurability !== "required") fail("synchronous.dataDurability must be required (preferred may lose acknowledged commits)");
    for (const k of Object.keys(sync)) {
      if (!["method", "number", "dataDurability", "maxStandbyNamesFromCluster", "standbyNamesPre",
        "standbyNamesPost", "failoverQuorum"].includes(k)) fail(`unknown field spec.postgresql.synchronous.${k}`);
    }
  }
  if (spec.minSyncReplicas !== undefined || spec.maxSyncReplicas !== undefined) {
    fail("minSyncReplicas/maxSyncReplicas are the older API: use postgresql.synchronous alone");
  }
  if (!spec.storage?.size) fail("spec.storage.size is missing");
  if (!(spec.imageName ?? "").includes(":") || (spec.imageName ?? "").endsWith(":latest")) fail("imageName needs a version tag");
  const params = spec.postgresql?.parameters ?? {};
  if (params.synchronous_commit && params.synchronous_commit !== "on" && params.synchronous_commit !== "remote_apply") {
    fail(`synchronous_commit ${params.synchronous_commit} does not wait for a standby`);
  }
  return problems;
}

export function readSettings(configPath) {
  return knownSettings(readFileSync(configPath, "utf8"));
}
