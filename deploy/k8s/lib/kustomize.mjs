// Builds a kustomization without kubectl, for the fields deploy/k8s uses: resources (files
// and directories holding a kustomization.yaml), namespace, images, and patches given by
// path (strategic merge, matched by apiVersion group, kind and name). Any other field is
// refused, so an overlay that needs more fails here instead of being built differently
// from kustomize. When kubectl is installed, check.mjs compares the two builds.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { strategicMerge } from "./strategic-merge.mjs";

const SUPPORTED = new Set(["apiVersion", "kind", "namespace", "resources", "images", "patches"]);
// Kinds that live outside namespaces (the namespace field leaves them alone).
const CLUSTER_SCOPED = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding",
  "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass"]);

export function readYaml(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function group(apiVersion) {
  return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

export function id(o) {
  return `${o.kind}/${o.metadata?.name}`;
}

export function build(dir) {
  const [k] = readYaml(join(dir, "kustomization.yaml"));
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: field "${key}" is not supported by this builder`);
  }
  let objects = [];
  for (const r of k.resources ?? []) {
    const path = join(dir, r);
    objects.push(...(statSync(path).isDirectory() ? build(path) : readYaml(path)));
  }
  for (const p of k.patches ?? []) {
    if (Object.keys(p).some((key) => key !== "path")) {
      throw new Error(`${dir}: only patches given by path are supported`);
    }
    for (const patch of readYaml(join(dir, p.path))) {
      const matches = objects.filter((o) => o.kind === patch.kind &&
        o.metadata?.name === patch.metadata?.name && group(o.apiVersion) === group(patch.apiVersion));
      if (matches.length !== 1) throw new Error(`${dir}/${p.path}: ${id(patch)} matches ${matches.length} objects`);
      objects[objects.indexOf(matches[0])] = strategicMerge(matches[0], patch);
    }
  }
  if (k.namespace) {
    objects = objects.map((o) => CLUSTER_SCOPED.has(o.kind) ? o
      : { ...o, metadata: { ...o.metadata, namespace: k.namespace } });
  }
  for (const image of k.images ?? []) {
    for (const o of objects) {
      for (const c of podSpec(o) ? containersOf(podSpec(o)) : []) {
        const [name] = splitImage(c.image);
        if (name !== image.name) continue;
        const [, tag, digest] = splitImage(c.image);
        const newName = image.newName ?? name;
        if (image.digest) c.image = `${newName}@${image.digest}`;
        else if (image.newTag) c.image = `${newName}:${image.newTag}`;
        else c.image = `${newName}${digest ? `@${digest}` : tag ? `:${tag}` : ""}`;
      }
    }
  }
  return objects;
}

// name, tag, digest of an image reference (a registry port is not a tag).
export function splitImage(ref) {
  let [rest, digest] = ref.split("@");
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  let tag;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return [rest, tag, digest];
}

export function podSpec(o) {
  if (o.kind === "Pod") return o.spec;
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(o.kind)) {
    return o.spec?.template?.spec;
  }
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

export function containersOf(spec) {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}
