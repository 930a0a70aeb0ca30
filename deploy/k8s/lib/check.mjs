// deploy/k8s/check: builds every kustomization under deploy/k8s (base and overlays)
// without a cluster, validates each object against its Kubernetes schema, and applies the
// policy of policy.mjs. With --self-test it then breaks the built objects one way at a time
// and expects each break to be refused, so the check itself is shown able to fail.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { build, id, podSpec } from "./kustomize.mjs";
import { validateObject } from "./schema.mjs";
import { checkPolicy, readSettings } from "./policy.mjs";
import { validateCrd } from "./crd.mjs";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(here, "..", "..");
const settings = readSettings(join(repo, "provider", "config", "config.cc"));
const targets = [join(here, "base"),
  ...readdirSync(join(here, "overlays")).map((d) => join(here, "overlays", d))];

function problemsOf(objects) {
  const problems = [];
  for (const o of objects) {
    if (o.apiVersion === "postgresql.cnpg.io/v1") {
      if (process.env.CNPG_CRD) problems.push(...validateCrd(o, process.env.CNPG_CRD).map((p) => `${id(o)}: ${p}`));
      continue;  // structural checks in policy.mjs
    }
    problems.push(...validateObject(o).map((p) => `${id(o)}: ${p}`));
  }
  problems.push(...checkPolicy(objects, { settings }));
  return problems;
}

// kustomize itself, when this machine has it, must build the same objects.
function crossCheck(dir, objects) {
  const which = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (which.status !== 0) return "skipped (no kubectl here)";
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60000 });
  if (r.error?.code === "ETIMEDOUT") return "not compared (kubectl kustomize took over 60 s)";
  if (r.status !== 0) return `FAILED: kubectl kustomize: ${r.stderr.trim()}`;
  const theirs = parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
  const key = (o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const sorted = (list) => JSON.stringify(list.map((o) => [key(o), o]).sort((a, b) => a[0] < b[0] ? -1 : 1), (k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v);
  return sorted(objects) === sorted(theirs) ? "same objects as kubectl kustomize"
    : "FAILED: differs from kubectl kustomize";
}

let failed = 0;
const built = {};
for (const dir of targets) {
  const name = relative(here, dir);
  let objects;
  try {
    objects = build(dir);
  } catch (e) {
    console.log(`  FAIL ${name}: ${e.message}`);
    failed++;
    continue;
  }
  built[name] = objects;
  const problems = problemsOf(objects);
  for (const p of problems) console.log(`  FAIL ${name}: ${p}`);
  failed += problems.length;
  const cross = crossCheck(dir, objects);
  if (cross.startsWith("FAILED")) failed++;
  console.log(`  ${problems.length || cross.startsWith("FAILED") ? "FAIL" : "ok  "} ${name}: ${objects.length} objects (${objects.map((o) => o.kind).join(", ")}); build ${cross}`);
}

if (process.argv.includes("--self-test")) {
  // Each break must be refused by the checks above; the overlay carries every rule.
  const base = built["overlays/cloudnative-pg"];
  const find = (list, kind) => list.find((o) => o.kind === kind);
  const server = (list) => podSpec(find(list, "Deployment")).containers[0];
  const env = (c, name) => c.env.find((e) => e.name === name);
  const breaks = {
    "root user": (l) => { podSpec(find(l, "Deployment")).securityContext.runAsUser = 0; },
    "writable root filesystem": (l) => { server(l).securityContext.readOnlyRootFilesystem = false; },
    "capabilities kept": (l) => { server(l).securityContext.capabilities.drop = []; },
    "no readiness probe": (l) => { delete server(l).readinessProbe; },
    "liveness on /readyz": (l) => { server(l).livenessProbe.httpGet.path = "/readyz"; },
    "misspelt field": (l) => { server(l).readinesProbe = server(l).readinessProbe; delete server(l).readinessProbe; },
    "Service selector misses the pods": (l) => { find(l, "Service").spec.selector["app.kubernetes.io/component"] = "web"; },
    "PDB selector misses the pods": (l) => { find(l, "PodDisruptionBudget").spec.selector.matchLabels["app.kubernetes.io/name"] = "x"; },
    "HPA targets another Deployment": (l) => { find(l, "HorizontalPodAutoscaler").spec.scaleTargetRef.name = "other"; },
    "NetworkPolicy selects nothing": (l) => { find(l, "NetworkPolicy").spec.podSelector.matchLabels = { app: "x" }; },
    "token mounted": (l) => { find(l, "ServiceAccount").automountServiceAccountToken = true; },
    "latest image": (l) => { server(l).image = "registry.example.com/signet:latest"; },
    "no resource requests": (l) => { delete server(l).resources.requests; },
    "master key in the environment": (l) => { server(l).env.push({ name: "SIGNET_MASTER_KEY", value: "00" }); },
    "misspelt setting": (l) => { env(server(l), "SIGNET_WORKERS").name = "SIGNET_WORKER"; },
    "schema type error": (l) => { podSpec(find(l, "Deployment")).terminationGracePeriodSeconds = "35s"; },
    "Job migrates another database": (l) => { env(podSpec(find(l, "Job")).containers[0], "SIGNET_DATABASE_URL").valueFrom.secretKeyRef.name = "other"; },
    "asynchronous replication": (l) => { delete find(l, "Cluster").spec.postgresql.synchronous; },
    "dataDurability preferred": (l) => { find(l, "Cluster").spec.postgresql.synchronous.dataDurability = "preferred"; },
    "database secret not the -app one": (l) => {
      for (const kind of ["Deployment", "Job"]) env(podSpec(find(l, kind)).containers[0], "SIGNET_DATABASE_URL").valueFrom.secretKeyRef.name = "signet-db-superuser";
    },
    "PostgreSQL reachable anywhere": (l) => { delete find(l, "NetworkPolicy").spec.egress[1].to; },
    "too few connections": (l) => { find(l, "Cluster").spec.postgresql.parameters.max_connections = "100"; },
    "shutdown longer than the grace period": (l) => { podSpec(find(l, "Deployment")).terminationGracePeriodSeconds = 10; },
    "metrics open to the ingress proxy": (l) => { find(l, "NetworkPolicy").spec.ingress[0].ports.push({ port: 9464, protocol: "TCP" }); },
    "metrics open to everyone": (l) => { delete find(l, "NetworkPolicy").spec.ingress[1].from; },
    "metrics listener off its port": (l) => { env(podSpec(find(l, "Deployment")).containers[0], "SIGNET_METRICS_LISTEN").value = "0.0.0.0:9100"; },
  };
  // The builder refuses what it does not implement instead of building something else.
  const scratch = mkdtempSync(join(tmpdir(), "signet-k8s-"));
  writeFileSync(join(scratch, "kustomization.yaml"), "resources: []\ncommonLabels: {a: b}\n");
  try {
    build(scratch);
    console.log("  FAIL self-test unsupported kustomization field: built anyway");
    failed++;
  } catch (e) {
    console.log(`  ok   self-test unsupported kustomization field: refused (${e.message.split(": ").pop()})`);
  } finally {
    rmSync(scratch, { recursive: true });
  }
  if (!base) {
    console.log("  FAIL self-test: the cloudnative-pg overlay did not build");
    failed++;
  } else {
    if (problemsOf(structuredClone(base)).length) failed++;
    for (const [name, breakIt] of Object.entries(breaks)) {
      const copy = structuredClone(base);
      breakIt(copy);
      const found = problemsOf(copy);
      if (found.length) console.log(`  ok   self-test ${name}: refused (${found[0]})`);
      else {
        console.log(`  FAIL self-test ${name}: a broken copy passed`);
        failed++;
      }
    }
  }
}

console.log(failed ? `k8s check: ${failed} failure(s)` : "k8s check: passed");
process.exit(failed ? 1 : 0);
